package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The customer role {@code <prefix><engineer>} with our trust policy, and its two attachments: AWS's
 * {@code SecurityAudit} and the support policy. A role with our name is touched only when its trust policy is the
 * one we write, it has no inline policy (the management role could never remove one) and nothing else attached.
 */
final class RoleStep implements ResourceStep {
  /** The condition key IAM sets on an attachment: the attached policy's ARN. */
  static final String POLICY_ARN_KEY = "iam:PolicyARN";

  private final RoleNames names;
  private final RoleId id;
  private final String arn;
  private final String name;

  RoleStep(RoleNames names, RoleId id) {
    this.names = names;
    this.id = id;
    this.arn = names.roleArn(id);
    this.name = names.roleName(id);
  }

  /** The policies provisioning attaches, in the order it attaches them (deprovisioning detaches in reverse). */
  private List<String> ourPolicies() {
    return List.of(IamProvisioner.SECURITY_AUDIT_ARN, SupportPolicy.arn(id));
  }

  @Override
  public List<IamCall> provisionCalls() {
    return List.of(
        new IamCall("iam:GetRole", arn, "read the role and compare its trust policy with ours"),
        new IamCall("iam:ListRolePolicies", arn, "check that the role has no inline policy"),
        new IamCall("iam:ListAttachedRolePolicies", arn, "check the role's attached policies"),
        new IamCall("iam:CreateRole", arn, "create the role with the trust policy for " + names.issuer(id)),
        attachCall("iam:AttachRolePolicy", IamProvisioner.SECURITY_AUDIT_ARN, "attach read-only audit"),
        attachCall("iam:AttachRolePolicy", SupportPolicy.arn(id), "attach the support policy"));
  }

  /** An attachment call: IAM sets {@code iam:PolicyARN}, which our template's policy limits. */
  private IamCall attachCall(String action, String policyArn, String description) {
    return new IamCall(action, arn, Map.of(POLICY_ARN_KEY, policyArn), description);
  }

  @Override
  public List<IamCall> deprovisionCalls() {
    return List.of(
        new IamCall("iam:GetRole", arn, "read the role and check that its trust policy is ours"),
        new IamCall("iam:ListRolePolicies", arn, "check that the role has no inline policy"),
        new IamCall("iam:ListAttachedRolePolicies", arn, "check that only our two policies are attached"),
        attachCall("iam:DetachRolePolicy", SupportPolicy.arn(id), "detach the support policy"),
        attachCall("iam:DetachRolePolicy", IamProvisioner.SECURITY_AUDIT_ARN, "detach read-only audit"),
        new IamCall("iam:DeleteRole", arn, "delete the role"));
  }

  @Override
  public List<Change> beforeProvision(IamSession s) {
    List<Change> changes = new ArrayList<>();
    Optional<Role> found = read(s);
    Set<String> attached = new HashSet<>();
    if (found.isEmpty()) {
      changes.add(Change.of("role " + name, arn, () -> create(s)));
    } else {
      checkOurs(found.get());
      attached.addAll(checkOnlyOurPolicies(s));
      changes.add(Change.present("role " + name, arn));
    }
    for (String p : ourPolicies()) {
      String what = attachment(p);
      if (attached.contains(p)) {
        changes.add(Change.present(what, arn));
      } else {
        changes.add(Change.of(what, arn, () -> {
          s.call("iam:AttachRolePolicy", arn, Map.of(POLICY_ARN_KEY, p),
              iam -> iam.attachRolePolicy(b -> b.roleName(name).policyArn(p)));
          return Report.Outcome.CREATED;
        }));
      }
    }
    return changes;
  }

  @Override
  public List<Change> beforeDeprovision(IamSession s) {
    Optional<Role> found = read(s);
    if (found.isEmpty()) return List.of(Change.absent("role " + name, arn));
    checkOurs(found.get());
    Set<String> attached = checkOnlyOurPolicies(s);
    List<Change> changes = new ArrayList<>();
    for (String p : List.of(SupportPolicy.arn(id), IamProvisioner.SECURITY_AUDIT_ARN)) {
      if (!attached.contains(p)) continue;
      changes.add(Change.of(attachment(p), arn, () -> {
        try {
          s.call("iam:DetachRolePolicy", arn, Map.of(POLICY_ARN_KEY, p),
              iam -> iam.detachRolePolicy(b -> b.roleName(name).policyArn(p)));
          return Report.Outcome.DELETED;
        } catch (NoSuchEntityException e) {
          return Report.Outcome.ALREADY_ABSENT;
        }
      }));
    }
    changes.add(Change.of("role " + name, arn, () -> {
      try {
        s.call("iam:DeleteRole", arn, iam -> iam.deleteRole(b -> b.roleName(name)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
    return changes;
  }

  private String attachment(String policyArn) {
    return "attachment of " + policyArn + " to role " + name;
  }

  private Optional<Role> read(IamSession s) {
    return s.find("iam:GetRole", arn, iam -> iam.getRole(b -> b.roleName(name)).role());
  }

  private Report.Outcome create(IamSession s) {
    try {
      s.call("iam:CreateRole", arn, iam -> iam.createRole(b -> b.roleName(name)
          .assumeRolePolicyDocument(JSONObjectUtils.toJSONString(names.trustPolicy(id)))
          .description("DoiT support engineer " + id.engineer() + ": read-only audit and AWS Support cases "
              + "(managed by aws-ops-idp)")
          .maxSessionDuration(3600)));
      return Report.Outcome.CREATED;
    } catch (EntityAlreadyExistsException e) {
      checkOurs(s.call("iam:GetRole", arn, iam -> iam.getRole(b -> b.roleName(name)).role()));
      return Report.Outcome.ALREADY_PRESENT;
    }
  }

  /** A role with our name but a trust policy we did not write is not ours: refuse to touch it. */
  private void checkOurs(Role role) {
    if (!PolicyDocuments.sameMeaning(role.assumeRolePolicyDocument(), names.trustPolicy(id))) {
      throw new Refusal("role " + arn + " exists but its trust policy is not the one we write (compare `keys-admin "
          + "role trust-policy " + id + "`), so it was not created by this service and is left untouched");
    }
  }

  /** The role's attached policy ARNs, refusing inline policies and policies we did not attach. */
  private Set<String> checkOnlyOurPolicies(IamSession s) {
    List<String> inline = s.call("iam:ListRolePolicies", arn,
        iam -> iam.listRolePoliciesPaginator(b -> b.roleName(name)).policyNames().stream().toList());
    if (!inline.isEmpty()) {
      throw new Refusal("role " + name + " has inline policies " + inline + " that this service never writes, and "
          + "the management role may not remove them (no iam:DeleteRolePolicy); remove them by hand and run again");
    }
    Set<String> attached = s.call("iam:ListAttachedRolePolicies", arn,
        iam -> iam.listAttachedRolePoliciesPaginator(b -> b.roleName(name)).attachedPolicies().stream()
            .map(AttachedPolicy::policyArn).collect(Collectors.toSet()));
    Set<String> foreign = new HashSet<>(attached);
    ourPolicies().forEach(foreign::remove);
    if (!foreign.isEmpty()) {
      throw new Refusal("role " + name + " also has " + foreign.stream().sorted().toList() + " attached, which this "
          + "service never attaches (an engineer must get read-only audit and AWS Support only); detach them by hand "
          + "and run again");
    }
    return attached;
  }
}
