package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.IamClientBuilder;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.GetOpenIdConnectProviderResponse;
import software.amazon.awssdk.services.iam.model.ListEntitiesForPolicyResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Policy;
import software.amazon.awssdk.services.iam.model.PolicyVersion;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * {@link Provisioner} over the AWS SDK: assumes {@code arn:aws:iam::<account>:role/<aws.management-role-name>}
 * through STS with our own credentials, then makes IAM calls as that role, each one from a plan checked against the
 * {@link ManagementPolicy} first. Every operation reads the account first, refuses what it must not touch before
 * changing anything, then makes only the missing changes. Thread-safe; {@link #close()} releases the HTTP client.
 *
 * <p>Throws {@link ProvisioningException} for every refusal and every AWS failure, saying what was done and what
 * is left, and {@link RoleException} ({@code INVALID}) when the customer role's name would not fit IAM.
 */
public final class IamProvisioner implements Provisioner, AutoCloseable {
  public static final String SECURITY_AUDIT_ARN = "arn:aws:iam::aws:policy/SecurityAudit";
  /** IAM's quota of OIDC providers per account, not adjustable (aws-sts-rules.md section 1). */
  public static final int PROVIDER_QUOTA = 100;
  /** IAM keeps at most five versions of a managed policy. */
  static final int MAX_POLICY_VERSIONS = 5;
  /** The shortest session STS grants; one operation takes seconds. */
  static final int SESSION_SECONDS = 900;

  private static final Logger LOG = LoggerFactory.getLogger(IamProvisioner.class);
  private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "RequestLimitExceeded",
      "TooManyRequestsException");

  private final RoleNames names;
  private final IdpConfig.Aws aws;
  private final ManagementPolicy policy;
  private final SdkHttpClient http;
  private final RetryStrategy retry;
  private final StsClient sts;

  /**
   * @param ourCredentials our service's own AWS credentials, the ones the management role trusts
   * @param backoff the delay between retries of throttled or failed calls (the SDK's standard retry mode, 4 tries)
   */
  public IamProvisioner(RoleNames names, IdpConfig.Aws aws, AwsCredentialsProvider ourCredentials,
      ManagementPolicy policy, BackoffStrategy backoff) {
    this.names = names;
    this.aws = aws;
    this.policy = policy;
    this.http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
    this.retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(4)
        .backoffStrategy(backoff)
        .throttlingBackoffStrategy(backoff)
        // IAM answers ConcurrentModification when two changes to one entity cross: trying again is right.
        .retryOnException(e -> e instanceof AwsServiceException a && a.awsErrorDetails() != null
            && "ConcurrentModification".equals(a.awsErrorDetails().errorCode()))
        .build();
    StsClientBuilder b = StsClient.builder()
        .region(Region.of(aws.region()))
        .credentialsProvider(ourCredentials)
        .httpClient(http)
        .overrideConfiguration(this::limits);
    aws.stsEndpoint().ifPresent(b::endpointOverride);
    this.sts = b.build();
  }

  /** Retries, and time limits so that a hung AWS never holds an admin API worker or the command line forever. */
  private void limits(ClientOverrideConfiguration.Builder o) {
    o.retryStrategy(retry).apiCallAttemptTimeout(Duration.ofSeconds(20)).apiCallTimeout(Duration.ofSeconds(90));
  }

  /** The production wiring: our credentials from the SDK's default provider chain, exponential backoff. */
  public static IamProvisioner create(IdpConfig config) {
    return new IamProvisioner(RoleNames.of(config), config.aws(), DefaultCredentialsProvider.builder().build(),
        ManagementPolicy.load(), BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(5)));
  }

  // ---------------------------------------------------------------- plans

  @Override
  public Plan plan(RoleId id) {
    names.checkFits(id);
    String provider = names.providerArn(id);
    String policyArn = SupportPolicy.arn(id);
    String role = names.roleArn(id);
    List<IamCall> calls = new ArrayList<>();
    calls.add(new IamCall("iam:GetOpenIDConnectProvider", provider, "read the OIDC provider for " + names.issuer(id)));
    calls.add(new IamCall("iam:ListOpenIDConnectProviders", "*", "count the account's OIDC providers against the quota of " + PROVIDER_QUOTA));
    calls.add(new IamCall("iam:CreateOpenIDConnectProvider", provider, "create the OIDC provider, client id " + names.audience()));
    if (!aws.oidcThumbprints().isEmpty()) {
      calls.add(new IamCall("iam:UpdateOpenIDConnectProviderThumbprint", provider, "set the configured thumbprints"));
    }
    calls.add(new IamCall("iam:GetPolicy", policyArn, "read the support policy"));
    calls.add(new IamCall("iam:GetPolicyVersion", policyArn, "compare the support policy's document with ours"));
    calls.add(new IamCall("iam:ListPolicyVersions", policyArn, "find the oldest version when the document must change"));
    calls.add(new IamCall("iam:CreatePolicy", policyArn, "create the support policy (AWS Support cases only)"));
    calls.add(new IamCall("iam:DeletePolicyVersion", policyArn, "make room (IAM keeps " + MAX_POLICY_VERSIONS + " versions) before an update"));
    calls.add(new IamCall("iam:CreatePolicyVersion", policyArn, "update the support policy's document to ours"));
    calls.add(new IamCall("iam:GetRole", role, "read the role and compare its trust policy with ours"));
    calls.add(new IamCall("iam:ListRolePolicies", role, "check that the role has no inline policy"));
    calls.add(new IamCall("iam:ListAttachedRolePolicies", role, "check the role's attached policies"));
    calls.add(new IamCall("iam:CreateRole", role, "create the role with the trust policy for " + names.issuer(id)));
    calls.add(new IamCall("iam:AttachRolePolicy", role, "attach " + SECURITY_AUDIT_ARN + " and " + policyArn));
    return policy.check(new Plan(id, Plan.Operation.PROVISION, managementRoleArn(id), calls));
  }

  @Override
  public Plan deprovisionPlan(RoleId id) {
    names.checkFits(id);
    String provider = names.providerArn(id);
    String policyArn = SupportPolicy.arn(id);
    String role = names.roleArn(id);
    List<IamCall> calls = new ArrayList<>();
    calls.add(new IamCall("iam:GetRole", role, "read the role and check that its trust policy is ours"));
    calls.add(new IamCall("iam:ListRolePolicies", role, "check that the role has no inline policy"));
    calls.add(new IamCall("iam:ListAttachedRolePolicies", role, "check that only our two policies are attached"));
    calls.add(new IamCall("iam:DetachRolePolicy", role, "detach " + policyArn + " and " + SECURITY_AUDIT_ARN));
    calls.add(new IamCall("iam:DeleteRole", role, "delete the role"));
    calls.add(new IamCall("iam:GetPolicy", policyArn, "read the support policy"));
    calls.add(new IamCall("iam:ListEntitiesForPolicy", policyArn, "check that nothing else uses the support policy"));
    calls.add(new IamCall("iam:ListPolicyVersions", policyArn, "find the versions IAM needs deleted first"));
    calls.add(new IamCall("iam:DeletePolicyVersion", policyArn, "delete the policy's older versions"));
    calls.add(new IamCall("iam:DeletePolicy", policyArn, "delete the support policy"));
    calls.add(new IamCall("iam:GetOpenIDConnectProvider", provider, "read the OIDC provider"));
    calls.add(new IamCall("iam:DeleteOpenIDConnectProvider", provider, "delete the OIDC provider"));
    return policy.check(new Plan(id, Plan.Operation.DEPROVISION, managementRoleArn(id), calls));
  }

  private String managementRoleArn(RoleId id) {
    return "arn:aws:iam::" + id.account() + ":role/" + aws.managementRoleName();
  }

  // ---------------------------------------------------------------- provision

  @Override
  public Report provision(RoleId id) {
    Plan plan = plan(id);
    try (IamSession s = open(plan)) {
      List<Pending> todo = new ArrayList<>();
      try {
        inspectProviderForProvision(s, id, todo);
        inspectPolicyForProvision(s, id, todo);
        inspectRoleForProvision(s, id, todo);
      } catch (SdkException e) {
        throw failure(plan, s, e, List.of(), List.of());
      }
      return run(plan, s, todo);
    }
  }

  private void inspectProviderForProvision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = names.providerArn(id);
    String what = "OIDC provider " + names.issuer(id);
    Optional<GetOpenIdConnectProviderResponse> found = s.find("iam:GetOpenIDConnectProvider", arn,
        iam -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
    if (found.isEmpty()) {
      // Count first: at the quota, creating would fail after we had changed nothing, so refuse now and say why.
      int count = s.call("iam:ListOpenIDConnectProviders", "*",
          iam -> iam.listOpenIDConnectProviders(b -> {}).openIDConnectProviderList().size());
      if (count >= PROVIDER_QUOTA) throw quota(id, count);
      todo.add(new Pending(what, arn, () -> createProvider(s, id)));
      return;
    }
    checkClientIds(id, found.get());
    if (thumbprintsDiffer(found.get())) {
      todo.add(new Pending(what + " thumbprints", arn, () -> {
        s.call("iam:UpdateOpenIDConnectProviderThumbprint", arn,
            iam -> iam.updateOpenIDConnectProviderThumbprint(b -> b.openIDConnectProviderArn(arn).thumbprintList(aws.oidcThumbprints())));
        return Report.Outcome.UPDATED;
      }));
    } else {
      todo.add(Pending.present(what, arn));
    }
  }

  private Report.Outcome createProvider(IamSession s, RoleId id) {
    String arn = names.providerArn(id);
    try {
      s.call("iam:CreateOpenIDConnectProvider", arn, iam -> iam.createOpenIDConnectProvider(b -> {
        b.url(names.issuer(id)).clientIDList(names.audience());
        // Thumbprints only when configured: IAM no longer needs them for a CA it trusts (aws-sts-rules.md 1).
        if (!aws.oidcThumbprints().isEmpty()) b.thumbprintList(aws.oidcThumbprints());
      }));
      return Report.Outcome.CREATED;
    } catch (EntityAlreadyExistsException e) {
      // Created meanwhile by another run: fine if it is what we would have created.
      GetOpenIdConnectProviderResponse p = s.call("iam:GetOpenIDConnectProvider", arn,
          iam -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
      checkClientIds(id, p);
      return Report.Outcome.ALREADY_PRESENT;
    }
  }

  private void checkClientIds(RoleId id, GetOpenIdConnectProviderResponse p) {
    if (!p.clientIDList().contains(names.audience())) {
      throw new ProvisioningException(ProvisioningException.Kind.REFUSED, "provision " + id + " refused: the OIDC "
          + "provider " + names.providerArn(id) + " exists with client ids " + p.clientIDList() + " but not "
          + names.audience() + ", and the management role may not add a client id "
          + "(no iam:AddClientIDToOpenIDConnectProvider); run `keys-admin role deprovision " + id
          + "` and provision again; nothing was changed");
    }
  }

  private boolean thumbprintsDiffer(GetOpenIdConnectProviderResponse p) {
    if (aws.oidcThumbprints().isEmpty()) return false; // none configured: leave the provider's own as they are
    Set<String> want = aws.oidcThumbprints().stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    Set<String> have = p.thumbprintList().stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    return !want.equals(have);
  }

  private ProvisioningException quota(RoleId id, int count) {
    return new ProvisioningException(ProvisioningException.Kind.QUOTA, "provision " + id + " refused: account "
        + id.account() + " already has " + count + " OIDC providers, IAM's limit of " + PROVIDER_QUOTA
        + " per account (not adjustable); deprovision support roles that are no longer needed, or ask the customer "
        + "to delete unused providers; nothing was changed");
  }

  private void inspectPolicyForProvision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = SupportPolicy.arn(id);
    String what = "support policy " + SupportPolicy.name(id);
    Optional<Policy> found = s.find("iam:GetPolicy", arn, iam -> iam.getPolicy(b -> b.policyArn(arn)).policy());
    if (found.isEmpty()) {
      todo.add(new Pending(what, arn, () -> {
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
      return;
    }
    String version = found.get().defaultVersionId();
    String document = s.call("iam:GetPolicyVersion", arn,
        iam -> iam.getPolicyVersion(b -> b.policyArn(arn).versionId(version)).policyVersion().document());
    if (PolicyDocuments.sameMeaning(document, SupportPolicy.document())) {
      todo.add(Pending.present(what, arn));
      return;
    }
    // The policy carries our name, so it is ours: bring its document back to ours (a newer release may change it).
    todo.add(new Pending(what + " document", arn, () -> {
      List<PolicyVersion> versions = s.call("iam:ListPolicyVersions", arn,
          iam -> iam.listPolicyVersions(b -> b.policyArn(arn)).versions());
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

  private void inspectRoleForProvision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = names.roleArn(id);
    String name = names.roleName(id);
    Optional<Role> found = s.find("iam:GetRole", arn, iam -> iam.getRole(b -> b.roleName(name)).role());
    Set<String> attached = new HashSet<>();
    if (found.isEmpty()) {
      todo.add(new Pending("role " + name, arn, () -> createRole(s, id)));
    } else {
      checkOurs(id, found.get(), Plan.Operation.PROVISION);
      attached.addAll(checkOnlyOurPolicies(s, id, Plan.Operation.PROVISION));
      todo.add(Pending.present("role " + name, arn));
    }
    for (String p : List.of(SECURITY_AUDIT_ARN, SupportPolicy.arn(id))) {
      String what = "attachment of " + p + " to role " + name;
      if (attached.contains(p)) {
        todo.add(Pending.present(what, arn));
      } else {
        todo.add(new Pending(what, arn, () -> {
          s.call("iam:AttachRolePolicy", arn, iam -> iam.attachRolePolicy(b -> b.roleName(name).policyArn(p)));
          return Report.Outcome.CREATED;
        }));
      }
    }
  }

  private Report.Outcome createRole(IamSession s, RoleId id) {
    String arn = names.roleArn(id);
    String name = names.roleName(id);
    try {
      s.call("iam:CreateRole", arn, iam -> iam.createRole(b -> b.roleName(name)
          .assumeRolePolicyDocument(JSONObjectUtils.toJSONString(names.trustPolicy(id)))
          .description("DoiT support engineer " + id.engineer() + ": read-only audit and AWS Support cases "
              + "(managed by aws-ops-idp)")
          .maxSessionDuration(3600)));
      return Report.Outcome.CREATED;
    } catch (EntityAlreadyExistsException e) {
      Role r = s.call("iam:GetRole", arn, iam -> iam.getRole(b -> b.roleName(name)).role());
      checkOurs(id, r, Plan.Operation.PROVISION);
      return Report.Outcome.ALREADY_PRESENT;
    }
  }

  /** A role with our name but a trust policy we did not write is not ours: refuse to touch it. */
  private void checkOurs(RoleId id, Role role, Plan.Operation op) {
    if (!PolicyDocuments.sameMeaning(role.assumeRolePolicyDocument(), names.trustPolicy(id))) {
      throw new ProvisioningException(ProvisioningException.Kind.REFUSED, op.word() + " " + id + " refused: role "
          + names.roleArn(id) + " exists but its trust policy is not the one we write (compare `keys-admin role "
          + "trust-policy " + id + "`), so it was not created by this service and is left untouched; nothing was changed");
    }
  }

  /** The role's attached policy ARNs, refusing inline policies and policies we did not attach. */
  private Set<String> checkOnlyOurPolicies(IamSession s, RoleId id, Plan.Operation op) {
    String arn = names.roleArn(id);
    String name = names.roleName(id);
    List<String> inline = s.call("iam:ListRolePolicies", arn,
        iam -> iam.listRolePoliciesPaginator(b -> b.roleName(name)).policyNames().stream().toList());
    if (!inline.isEmpty()) {
      throw new ProvisioningException(ProvisioningException.Kind.REFUSED, op.word() + " " + id + " refused: role "
          + name + " has inline policies " + inline + " that this service never writes, and the management role "
          + "may not remove them (no iam:DeleteRolePolicy); remove them by hand and run again; nothing was changed");
    }
    Set<String> attached = s.call("iam:ListAttachedRolePolicies", arn,
        iam -> iam.listAttachedRolePoliciesPaginator(b -> b.roleName(name)).attachedPolicies().stream()
            .map(AttachedPolicy::policyArn).collect(Collectors.toSet()));
    Set<String> foreign = new HashSet<>(attached);
    foreign.remove(SECURITY_AUDIT_ARN);
    foreign.remove(SupportPolicy.arn(id));
    if (!foreign.isEmpty()) {
      throw new ProvisioningException(ProvisioningException.Kind.REFUSED, op.word() + " " + id + " refused: role "
          + name + " also has " + foreign.stream().sorted().toList() + " attached, which this service never "
          + "attaches (an engineer must get read-only audit and AWS Support only); detach them by hand and run "
          + "again; nothing was changed");
    }
    return attached;
  }

  // ---------------------------------------------------------------- deprovision

  @Override
  public Report deprovision(RoleId id) {
    Plan plan = deprovisionPlan(id);
    try (IamSession s = open(plan)) {
      List<Pending> todo = new ArrayList<>();
      try {
        inspectRoleForDeprovision(s, id, todo);
        inspectPolicyForDeprovision(s, id, todo);
        inspectProviderForDeprovision(s, id, todo);
      } catch (SdkException e) {
        throw failure(plan, s, e, List.of(), List.of());
      }
      return run(plan, s, todo);
    }
  }

  private void inspectRoleForDeprovision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = names.roleArn(id);
    String name = names.roleName(id);
    Optional<Role> found = s.find("iam:GetRole", arn, iam -> iam.getRole(b -> b.roleName(name)).role());
    if (found.isEmpty()) {
      todo.add(Pending.absent("role " + name, arn));
      return;
    }
    checkOurs(id, found.get(), Plan.Operation.DEPROVISION);
    Set<String> attached = checkOnlyOurPolicies(s, id, Plan.Operation.DEPROVISION);
    for (String p : List.of(SupportPolicy.arn(id), SECURITY_AUDIT_ARN)) {
      if (!attached.contains(p)) continue;
      todo.add(new Pending("attachment of " + p + " to role " + name, arn, () -> {
        try {
          s.call("iam:DetachRolePolicy", arn, iam -> iam.detachRolePolicy(b -> b.roleName(name).policyArn(p)));
          return Report.Outcome.DELETED;
        } catch (NoSuchEntityException e) {
          return Report.Outcome.ALREADY_ABSENT;
        }
      }));
    }
    todo.add(new Pending("role " + name, arn, () -> {
      try {
        s.call("iam:DeleteRole", arn, iam -> iam.deleteRole(b -> b.roleName(name)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
  }

  private void inspectPolicyForDeprovision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = SupportPolicy.arn(id);
    String what = "support policy " + SupportPolicy.name(id);
    Optional<Policy> found = s.find("iam:GetPolicy", arn, iam -> iam.getPolicy(b -> b.policyArn(arn)).policy());
    if (found.isEmpty()) {
      todo.add(Pending.absent(what, arn));
      return;
    }
    ListEntitiesForPolicyResponse users = s.call("iam:ListEntitiesForPolicy", arn,
        iam -> iam.listEntitiesForPolicy(b -> b.policyArn(arn)));
    List<String> others = new ArrayList<>();
    users.policyRoles().stream().map(r -> "role " + r.roleName())
        .filter(r -> !r.equals("role " + names.roleName(id))).forEach(others::add);
    users.policyUsers().forEach(u -> others.add("user " + u.userName()));
    users.policyGroups().forEach(g -> others.add("group " + g.groupName()));
    if (!others.isEmpty() || Boolean.TRUE.equals(users.isTruncated())) {
      throw new ProvisioningException(ProvisioningException.Kind.REFUSED, "deprovision " + id + " refused: policy "
          + arn + " is also attached to " + others + ", which this service did not attach; detach it there by hand "
          + "and run again; nothing was changed");
    }
    List<PolicyVersion> versions = s.call("iam:ListPolicyVersions", arn,
        iam -> iam.listPolicyVersions(b -> b.policyArn(arn)).versions());
    for (PolicyVersion v : versions) {
      if (Boolean.TRUE.equals(v.isDefaultVersion())) continue;
      // IAM deletes a policy only once its non-default versions are gone (else DeleteConflict).
      todo.add(new Pending(what + " version " + v.versionId(), arn, () -> {
        try {
          s.call("iam:DeletePolicyVersion", arn, iam -> iam.deletePolicyVersion(b -> b.policyArn(arn).versionId(v.versionId())));
          return Report.Outcome.DELETED;
        } catch (NoSuchEntityException e) {
          return Report.Outcome.ALREADY_ABSENT;
        }
      }));
    }
    todo.add(new Pending(what, arn, () -> {
      try {
        s.call("iam:DeletePolicy", arn, iam -> iam.deletePolicy(b -> b.policyArn(arn)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
  }

  private void inspectProviderForDeprovision(IamSession s, RoleId id, List<Pending> todo) {
    String arn = names.providerArn(id);
    String what = "OIDC provider " + names.issuer(id);
    Optional<GetOpenIdConnectProviderResponse> found = s.find("iam:GetOpenIDConnectProvider", arn,
        iam -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
    if (found.isEmpty()) {
      todo.add(Pending.absent(what, arn));
      return;
    }
    todo.add(new Pending(what, arn, () -> {
      try {
        s.call("iam:DeleteOpenIDConnectProvider", arn, iam -> iam.deleteOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
  }

  // ---------------------------------------------------------------- running

  /** One resource's step, decided by the inspection; {@code noop} steps make no call. */
  private record Pending(String what, String arn, StepAction action, Report.Outcome noop) {
    Pending(String what, String arn, StepAction action) {
      this(what, arn, action, null);
    }

    static Pending present(String what, String arn) {
      return new Pending(what, arn, null, Report.Outcome.ALREADY_PRESENT);
    }

    static Pending absent(String what, String arn) {
      return new Pending(what, arn, null, Report.Outcome.ALREADY_ABSENT);
    }
  }

  @FunctionalInterface
  private interface StepAction {
    Report.Outcome run();
  }

  private Report run(Plan plan, IamSession s, List<Pending> todo) {
    List<Report.Step> done = new ArrayList<>();
    for (int i = 0; i < todo.size(); i++) {
      Pending p = todo.get(i);
      if (p.noop() != null) {
        done.add(new Report.Step(p.what(), p.arn(), p.noop()));
        continue;
      }
      try {
        Report.Outcome outcome = p.action().run();
        done.add(new Report.Step(p.what(), p.arn(), outcome));
        LOG.info("{} {}: {} {}", plan.operation().word(), plan.role(), outcome.words(), p.what());
      } catch (SdkException | ProvisioningException e) {
        List<String> left = todo.subList(i, todo.size()).stream().filter(x -> x.noop() == null)
            .map(Pending::what).toList();
        throw failure(plan, s, e, done, left);
      }
    }
    return new Report(plan.role(), plan.operation(), done);
  }

  private IamSession open(Plan plan) {
    Credentials c;
    try {
      c = sts.assumeRole(b -> b.roleArn(plan.assumeRoleArn())
          .roleSessionName(sessionName(plan.role()))
          .durationSeconds(SESSION_SECONDS)).credentials();
    } catch (AwsServiceException e) {
      String code = code(e);
      boolean denied = code.startsWith("AccessDenied");
      throw new ProvisioningException(denied ? ProvisioningException.Kind.ACCESS_DENIED : ProvisioningException.Kind.AWS_ERROR,
          plan.operation().word() + " " + plan.role() + " stopped before any change: our AWS account could not assume "
          + plan.assumeRoleArn() + " (" + code + ")" + (denied ? ": the customer's stack is not installed in account "
          + plan.role().account() + ", or was removed, or trusts another account" : ": " + e.awsErrorDetails().errorMessage())
          + "; nothing was changed", List.of(), List.of(), e);
    } catch (SdkClientException e) {
      throw new ProvisioningException(ProvisioningException.Kind.UNREACHABLE, plan.operation().word() + " "
          + plan.role() + " stopped before any change: AWS STS could not be reached (" + e.getMessage()
          + "); nothing was changed", List.of(), List.of(), e);
    }
    IamClientBuilder b = IamClient.builder()
        // IAM is global, served from us-east-1 and signed for it; aws-global would sign for "aws-global" when the
        // endpoint is overridden, which IAM refuses (SignatureDoesNotMatch).
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())))
        .httpClient(http)
        .overrideConfiguration(this::limits);
    aws.iamEndpoint().ifPresent(b::endpointOverride);
    return new IamSession(b.build(), plan);
  }

  /** {@code aws-ops-idp-<engineer>}: CloudTrail shows whose role the management role was changing. */
  static String sessionName(RoleId id) {
    String name = "aws-ops-idp-" + id.engineer();
    return name.length() <= 64 ? name : name.substring(0, 64);
  }

  private static String code(AwsServiceException e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
        ? e.awsErrorDetails().errorCode() : "HTTP " + e.statusCode();
  }

  /** Explains a stopped operation in plain words: which call, why, what was done, what is left, how to finish. */
  private ProvisioningException failure(Plan plan, IamSession s, Exception e, List<Report.Step> done, List<String> left) {
    String op = plan.operation().word() + " " + plan.role();
    if (e instanceof ProvisioningException p && done.isEmpty() && left.isEmpty()) return p;
    ProvisioningException.Kind kind;
    String why;
    if (e instanceof ProvisioningException p) {
      kind = p.kind();
      // The refusal was written for a run that had changed nothing: keep its reason, drop its framing.
      why = p.getMessage().replace(op + " refused: ", "").replace("; nothing was changed", "");
    } else if (e instanceof AwsServiceException a) {
      String code = code(a);
      String call = s.current() == null ? "an IAM call" : s.current().target();
      String message = a.awsErrorDetails() == null ? "" : a.awsErrorDetails().errorMessage();
      if (code.startsWith("AccessDenied")) {
        kind = ProvisioningException.Kind.ACCESS_DENIED;
        why = "AWS denied " + call + " (" + code + "): the management role's policy in account "
            + plan.role().account() + " does not allow it; the customer's stack may be older than "
            + "cloudformation/customer-stack.json";
      } else if ("LimitExceeded".equals(code) && s.current() != null
          && s.current().action().equals("iam:CreateOpenIDConnectProvider")) {
        kind = ProvisioningException.Kind.QUOTA;
        why = "IAM refused " + call + ": the account reached its quota of " + PROVIDER_QUOTA + " OIDC providers ("
            + code + ")";
      } else if ("OpenIdIdpCommunicationError".equals(code)) {
        // IAM fetches the issuer's TLS chain when a provider is created without thumbprints (aws-sts-rules.md 1).
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "IAM could not reach the issuer " + names.issuer(plan.role()) + " for " + call + " (" + code + ": "
            + message + "): the public listener must answer over HTTPS from the internet";
      } else if (THROTTLING.contains(code)) {
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "AWS kept throttling " + call + " after 4 tries (" + code + "); try again in a minute";
      } else {
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "AWS refused " + call + " (" + code + ": " + message + ")";
      }
    } else {
      kind = ProvisioningException.Kind.UNREACHABLE;
      String call = s.current() == null ? "IAM" : s.current().target();
      why = "AWS IAM could not be reached for " + call + " (" + e.getMessage() + ")";
    }
    StringBuilder m = new StringBuilder(op).append(" stopped: ").append(why);
    List<Report.Step> changed = done.stream().filter(d -> d.outcome().changed()).toList();
    if (changed.isEmpty()) {
      m.append("; nothing was changed");
    } else {
      m.append("; done: ").append(changed.stream().map(Report.Step::line).collect(Collectors.joining(", ")));
    }
    if (!left.isEmpty()) m.append("; left to do: ").append(String.join(", ", left));
    m.append("; run `keys-admin role ").append(plan.operation().word()).append(' ').append(plan.role())
        .append("` again to finish");
    if (plan.operation() == Plan.Operation.PROVISION && !changed.isEmpty()) {
      m.append(", or `keys-admin role deprovision ").append(plan.role()).append("` to remove what was created");
    }
    LOG.warn("{}", m);
    return new ProvisioningException(kind, m.toString(), done, left, e);
  }

  @Override
  public void close() {
    sts.close();
    http.close();
  }

  /** For tests and callers that print the policy a plan is checked against. */
  public ManagementPolicy managementPolicy() {
    return policy;
  }
}
