package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;
import static com.doit.idp.aws.AwsQuery.members;
import static com.doit.idp.aws.IamValidation.identityPolicy;
import static com.doit.idp.aws.IamValidation.name;
import static com.doit.idp.aws.IamValidation.path;
import static com.doit.idp.aws.IamValidation.urlEncode;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The fake IAM's managed policy actions: documents, versions (at most 5, the default one last), deletion order. */
final class FakeIamPolicies {
  private static final Pattern POLICY_ARN = Pattern.compile("arn:aws:iam::(\\d{12}|aws):policy/([\\u0021-\\u007E]+)");
  private static final Pattern VERSION_ID = Pattern.compile("v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");

  private final FakeIam iam;

  FakeIamPolicies(FakeIam iam) {
    this.iam = iam;
  }

  String policyArnParam(AwsQuery q) {
    String arn = q.required("PolicyArn");
    if (arn.length() < 20 || arn.length() > 2048 || !POLICY_ARN.matcher(arn).matches()) {
      throw new AwsError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  FakeAccount.ManagedPolicyState existingPolicy(FakeAccount a, String arn) {
    FakeAccount.ManagedPolicyState p = a.policies.get(arn);
    if (p == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " does not exist or is not attachable.");
    return p;
  }

  String policyXml(FakeAccount a, FakeAccount.ManagedPolicyState p) {
    long attachments = a.roles.values().stream().filter(r -> r.attached.contains(p.arn)).count();
    return "<Policy>" + el("PolicyName", p.name) + el("DefaultVersionId", p.defaultVersion) + el("PolicyId", p.id)
        + el("Path", p.path) + el("Arn", p.arn) + el("AttachmentCount", attachments)
        + el("PermissionsBoundaryUsageCount", 0) + el("IsAttachable", true)
        + (p.description == null ? "" : el("Description", p.description))
        + el("CreateDate", p.created) + el("UpdateDate", p.created) + "</Policy>";
  }

  String getPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    iam.authorize(a, q, arn);
    return "<GetPolicyResult>" + policyXml(a, existingPolicy(a, arn)) + "</GetPolicyResult>";
  }

  String createPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyName", "Path", "PolicyDocument", "Description", "Tags"));
    String name = name(q.required("PolicyName"), 128, "policyName");
    String path = path(q.optional("Path"));
    String document = q.required("PolicyDocument");
    String description = q.optional("Description");
    if (description != null && description.length() > 1000) throw new AwsError("ValidationError", "Description longer than 1000");
    String arn = "arn:aws:iam::" + a.id + ":policy" + path + name;
    iam.authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagPolicy"} : new String[0]);
    identityPolicy(document);
    if (a.policies.containsKey(arn)) {
      throw new AwsError("EntityAlreadyExists", "A policy called " + name + " already exists. Duplicate names are not allowed.");
    }
    FakeAccount.ManagedPolicyState p = new FakeAccount.ManagedPolicyState(name, path, arn, iam.aws.nextId("ANPA"), description, iam.aws.tick());
    p.versions.add(new FakeAccount.PolicyVersionState("v1", document, p.created));
    p.defaultVersion = "v1";
    p.nextVersion = 2;
    a.policies.put(arn, p);
    return "<CreatePolicyResult>" + policyXml(a, p) + "</CreatePolicyResult>";
  }

  String versionXml(FakeAccount.ManagedPolicyState p, FakeAccount.PolicyVersionState v, boolean withDocument) {
    return (withDocument ? el("Document", urlEncode(v.document)) : "") + el("VersionId", v.id)
        + el("IsDefaultVersion", v.id.equals(p.defaultVersion)) + el("CreateDate", v.created);
  }

  String getPolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    iam.authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    FakeAccount.PolicyVersionState v = p.version(id);
    if (v == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist or is not attachable.");
    return "<GetPolicyVersionResult><PolicyVersion>" + versionXml(p, v, true) + "</PolicyVersion></GetPolicyVersionResult>";
  }

  static String versionId(AwsQuery q) {
    String id = q.required("VersionId");
    if (!VERSION_ID.matcher(id).matches()) throw new AwsError("ValidationError", "VersionId " + id + " is not valid");
    return id;
  }

  String listPolicyVersions(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    iam.authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    List<String> members = p.versions.stream().map(v -> versionXml(p, v, false)).toList();
    return "<ListPolicyVersionsResult>" + members("Versions", members) + el("IsTruncated", false)
        + "</ListPolicyVersionsResult>";
  }

  String createPolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "PolicyDocument", "SetAsDefault"));
    String arn = policyArnParam(q);
    String document = q.required("PolicyDocument");
    String setAsDefault = q.optional("SetAsDefault");
    if (setAsDefault != null && !setAsDefault.equals("true") && !setAsDefault.equals("false")) {
      throw new AwsError("ValidationError", "SetAsDefault must be a boolean");
    }
    iam.authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    identityPolicy(document);
    if (p.versions.size() >= 5) {
      throw new AwsError("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, "
          + "you must delete an existing version.");
    }
    FakeAccount.PolicyVersionState v = new FakeAccount.PolicyVersionState("v" + p.nextVersion++, document, iam.aws.tick());
    p.versions.add(v);
    if ("true".equals(setAsDefault)) p.defaultVersion = v.id;
    return "<CreatePolicyVersionResult><PolicyVersion>" + versionXml(p, v, false) + "</PolicyVersion></CreatePolicyVersionResult>";
  }

  String deletePolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    iam.authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    FakeAccount.PolicyVersionState v = p.version(id);
    if (v == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist.");
    if (id.equals(p.defaultVersion)) throw new AwsError("DeleteConflict", "Cannot delete the default version of a policy.");
    p.versions.remove(v);
    return "";
  }

  String deletePolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    iam.authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    if (a.roles.values().stream().anyMatch(r -> r.attached.contains(arn))) {
      throw new AwsError("DeleteConflict", "Cannot delete a policy attached to entities.");
    }
    if (p.versions.size() > 1) {
      throw new AwsError("DeleteConflict", "This policy has more than one version. Before you delete a policy, you "
          + "must delete the policy's versions. The default version is deleted with the policy.");
    }
    a.policies.remove(arn);
    return "";
  }

  String listEntitiesForPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "EntityFilter", "PathPrefix", "PolicyUsageFilter", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    iam.authorize(a, q, arn);
    existingPolicy(a, arn);
    List<String> roles = a.roles.values().stream().filter(r -> r.attached.contains(arn))
        .map(r -> el("RoleName", r.name) + el("RoleId", r.id)).toList();
    return "<ListEntitiesForPolicyResult>" + members("PolicyRoles", roles) + members("PolicyGroups", List.of())
        + members("PolicyUsers", List.of()) + el("IsTruncated", false) + "</ListEntitiesForPolicyResult>";
  }
}
