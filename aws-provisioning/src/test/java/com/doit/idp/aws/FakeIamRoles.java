package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;
import static com.doit.idp.aws.AwsQuery.escapedMembers;
import static com.doit.idp.aws.AwsQuery.members;
import static com.doit.idp.aws.IamValidation.name;
import static com.doit.idp.aws.IamValidation.path;
import static com.doit.idp.aws.IamValidation.trustPolicy;
import static com.doit.idp.aws.IamValidation.urlEncode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The fake IAM's role actions: trust policies, attachments (at most 10, each authorized with its iam:PolicyARN). */
final class FakeIamRoles {
  private static final Set<String> AWS_MANAGED = Set.of(FakeAws.SECURITY_AUDIT, FakeAws.ADMINISTRATOR_ACCESS,
      "arn:aws:iam::aws:policy/AWSSupportAccess");

  private final FakeIam iam;

  FakeIamRoles(FakeIam iam) {
    this.iam = iam;
  }

  String roleArnFor(FakeAccount a, String name) {
    FakeAccount.RoleState r = a.roles.get(name);
    return r != null ? r.arn : "arn:aws:iam::" + a.id + ":role/" + name;
  }

  FakeAccount.RoleState existingRole(FakeAccount a, String name) {
    FakeAccount.RoleState r = a.roles.get(name);
    if (r == null) throw new AwsError("NoSuchEntity", "The role with name " + name + " cannot be found.");
    return r;
  }

  String roleXml(FakeAccount.RoleState r) {
    return "<Role>" + el("Path", r.path) + el("RoleName", r.name) + el("RoleId", r.id) + el("Arn", r.arn)
        + el("CreateDate", r.created) + el("AssumeRolePolicyDocument", urlEncode(r.trust))
        + (r.description.isEmpty() ? "" : el("Description", r.description)) + el("MaxSessionDuration", r.maxSession)
        + "</Role>";
  }

  String getRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    iam.authorize(a, q, roleArnFor(a, name));
    return "<GetRoleResult>" + roleXml(existingRole(a, name)) + "</GetRoleResult>";
  }

  String createRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "Path", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration",
        "PermissionsBoundary", "Tags"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String path = path(q.optional("Path"));
    String trust = q.required("AssumeRolePolicyDocument");
    String description = q.optional("Description") == null ? "" : q.optional("Description");
    if (description.length() > 1000 || !description.matches("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*")) {
      throw new AwsError("ValidationError", "Description must be at most 1000 printable characters");
    }
    int maxSession = 3600;
    if (q.optional("MaxSessionDuration") != null) {
      maxSession = Integer.parseInt(q.optional("MaxSessionDuration"));
      if (maxSession < 3600 || maxSession > 43200) throw new AwsError("ValidationError", "MaxSessionDuration must be 3600..43200");
    }
    String arn = "arn:aws:iam::" + a.id + ":role" + path + name;
    List<String> extra = new ArrayList<>();
    if (q.hasPrefix("Tags.")) extra.add("iam:TagRole");
    if (q.optional("PermissionsBoundary") != null) extra.add("iam:PutRolePermissionsBoundary");
    iam.authorize(a, q, arn, extra.toArray(new String[0]));
    trustPolicy(a, trust);
    if (a.roles.containsKey(name)) throw new AwsError("EntityAlreadyExists", "Role with name " + name + " already exists.");
    FakeAccount.RoleState r = new FakeAccount.RoleState(name, path, arn, iam.aws.nextId("AROA"), trust, description, maxSession, iam.aws.tick());
    a.roles.put(name, r);
    return "<CreateRoleResult>" + roleXml(r) + "</CreateRoleResult>";
  }

  String deleteRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    iam.authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    if (!r.attached.isEmpty()) throw new AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (!r.inline.isEmpty()) throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.");
    a.roles.remove(name);
    return "";
  }

  String listRolePolicies(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    iam.authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    return "<ListRolePoliciesResult>" + escapedMembers("PolicyNames", List.copyOf(r.inline.keySet()))
        + el("IsTruncated", false) + "</ListRolePoliciesResult>";
  }

  String listAttachedRolePolicies(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "PathPrefix", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    iam.authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    List<String> members = r.attached.stream()
        .map(p -> el("PolicyName", p.substring(p.lastIndexOf('/') + 1)) + el("PolicyArn", p)).toList();
    return "<ListAttachedRolePoliciesResult>" + members("AttachedPolicies", members) + el("IsTruncated", false)
        + "</ListAttachedRolePoliciesResult>";
  }

  String attachRolePolicy(FakeAccount a, AwsQuery q, boolean attach) {
    q.only(Set.of("RoleName", "PolicyArn"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String policyArn = iam.policies.policyArnParam(q);
    iam.authorize(a, q, roleArnFor(a, name), Map.of("iam:PolicyARN", policyArn));
    FakeAccount.RoleState r = existingRole(a, name);
    if (attach) {
      if (!AWS_MANAGED.contains(policyArn) && !a.policies.containsKey(policyArn)) {
        throw new AwsError("NoSuchEntity", "Policy " + policyArn + " does not exist or is not attachable.");
      }
      if (!r.attached.contains(policyArn)) {
        if (r.attached.size() >= 10) throw new AwsError("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10");
        r.attached.add(policyArn);
      }
    } else if (!r.attached.remove(policyArn)) {
      throw new AwsError("NoSuchEntity", "Policy " + policyArn + " was not found.");
    }
    return "";
  }
}
