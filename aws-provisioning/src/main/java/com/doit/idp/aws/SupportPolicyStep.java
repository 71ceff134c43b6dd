package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.ListEntitiesForPolicyResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Policy;
import software.amazon.awssdk.services.iam.model.PolicyVersion;

/**
 * The customer-managed policy {@code DoiT-Support-<engineer>} ({@link SupportPolicy}). A policy with that name is
 * ours: a document that drifted is brought back to ours as a new default version. It is deleted only when nothing
 * but the engineer's role uses it, its older versions first (IAM's order).
 */
final class SupportPolicyStep implements ResourceStep {
  /** IAM keeps at most five versions of a managed policy. */
  static final int MAX_POLICY_VERSIONS = 5;

  private final RoleNames names;
  private final RoleId id;
  private final String arn;
  private final String what;

  SupportPolicyStep(RoleNames names, RoleId id) {
    this.names = names;
    this.id = id;
    this.arn = SupportPolicy.arn(id);
    this.what = "support policy " + SupportPolicy.name(id);
  }

  @Override
  public List<IamCall> provisionCalls() {
    return List.of(
        new IamCall("iam:GetPolicy", arn, "read the support policy"),
        new IamCall("iam:GetPolicyVersion", arn, "compare the support policy's document with ours"),
        new IamCall("iam:ListPolicyVersions", arn, "find the oldest version when the document must change"),
        new IamCall("iam:CreatePolicy", arn, "create the support policy (AWS Support cases only)"),
        new IamCall("iam:DeletePolicyVersion", arn, "make room (IAM keeps " + MAX_POLICY_VERSIONS + " versions) before an update"),
        new IamCall("iam:CreatePolicyVersion", arn, "update the support policy's document to ours"));
  }

  @Override
  public List<IamCall> deprovisionCalls() {
    return List.of(
        new IamCall("iam:GetPolicy", arn, "read the support policy"),
        new IamCall("iam:ListEntitiesForPolicy", arn, "check that nothing else uses the support policy"),
        new IamCall("iam:ListPolicyVersions", arn, "find the versions IAM needs deleted first"),
        new IamCall("iam:DeletePolicyVersion", arn, "delete the policy's older versions"),
        new IamCall("iam:DeletePolicy", arn, "delete the support policy"));
  }

  @Override
  public List<Change> beforeProvision(IamSession s) {
    Optional<Policy> found = read(s);
    if (found.isEmpty()) {
      return List.of(Change.of(what, arn, () -> {
        try {
          s.call("iam:CreatePolicy", arn, iam -> iam.createPolicy(b -> b.policyName(SupportPolicy.name(id))
              .policyDocument(SupportPolicy.json())
              .description("AWS Support cases for DoiT support engineer " + id.engineer()
                  + " (managed by aws-ops-idp)")));
          return Report.Outcome.CREATED;
        } catch (EntityAlreadyExistsException e) {
          return Report.Outcome.ALREADY_PRESENT; // created meanwhile by another run of the same code
        }
      }));
    }
    String version = found.get().defaultVersionId();
    String document = s.call("iam:GetPolicyVersion", arn,
        iam -> iam.getPolicyVersion(b -> b.policyArn(arn).versionId(version)).policyVersion().document());
    if (PolicyDocuments.sameMeaning(document, SupportPolicy.document())) return List.of(Change.present(what, arn));
    // The policy carries our name, so it is ours: bring its document back to ours (a newer release may change it).
    return List.of(Change.of(what + " document", arn, () -> {
      List<PolicyVersion> versions = versions(s);
      if (versions.size() >= MAX_POLICY_VERSIONS) {
        PolicyVersion oldest = versions.stream().filter(v -> !Boolean.TRUE.equals(v.isDefaultVersion()))
            .min(Comparator.comparing(PolicyVersion::createDate)).orElseThrow();
        s.call("iam:DeletePolicyVersion", arn, iam -> iam.deletePolicyVersion(b -> b.policyArn(arn).versionId(oldest.versionId())));
      }
      s.call("iam:CreatePolicyVersion", arn, iam -> iam.createPolicyVersion(b -> b.policyArn(arn)
          .policyDocument(SupportPolicy.json()).setAsDefault(true)));
      return Report.Outcome.UPDATED;
    }));
  }

  @Override
  public List<Change> beforeDeprovision(IamSession s) {
    if (read(s).isEmpty()) return List.of(Change.absent(what, arn));
    ListEntitiesForPolicyResponse users = s.call("iam:ListEntitiesForPolicy", arn,
        iam -> iam.listEntitiesForPolicy(b -> b.policyArn(arn)));
    List<String> others = new ArrayList<>();
    users.policyRoles().stream().map(r -> "role " + r.roleName())
        .filter(r -> !r.equals("role " + names.roleName(id))).forEach(others::add);
    users.policyUsers().forEach(u -> others.add("user " + u.userName()));
    users.policyGroups().forEach(g -> others.add("group " + g.groupName()));
    if (!others.isEmpty() || Boolean.TRUE.equals(users.isTruncated())) {
      throw new Refusal("policy " + arn + " is also attached to " + others + ", which this service did not attach; "
          + "detach it there by hand and run again");
    }
    List<Change> changes = new ArrayList<>();
    for (PolicyVersion v : versions(s)) {
      if (Boolean.TRUE.equals(v.isDefaultVersion())) continue;
      // IAM deletes a policy only once its non-default versions are gone (else DeleteConflict).
      changes.add(Change.of(what + " version " + v.versionId(), arn, () -> {
        try {
          s.call("iam:DeletePolicyVersion", arn, iam -> iam.deletePolicyVersion(b -> b.policyArn(arn).versionId(v.versionId())));
          return Report.Outcome.DELETED;
        } catch (NoSuchEntityException e) {
          return Report.Outcome.ALREADY_ABSENT;
        }
      }));
    }
    changes.add(Change.of(what, arn, () -> {
      try {
        s.call("iam:DeletePolicy", arn, iam -> iam.deletePolicy(b -> b.policyArn(arn)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
    return changes;
  }

  private Optional<Policy> read(IamSession s) {
    return s.find("iam:GetPolicy", arn, iam -> iam.getPolicy(b -> b.policyArn(arn)).policy());
  }

  private List<PolicyVersion> versions(IamSession s) {
    return s.call("iam:ListPolicyVersions", arn, iam -> iam.listPolicyVersions(b -> b.policyArn(arn)).versions());
  }
}
