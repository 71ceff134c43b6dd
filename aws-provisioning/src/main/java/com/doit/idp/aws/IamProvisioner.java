package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * {@link Provisioner} over the AWS SDK: assumes {@code arn:aws:iam::<account>:role/<aws.management-role-name>}
 * through STS with our own credentials, then makes IAM calls as that role, each one from a plan checked against the
 * {@link ManagementPolicy} first. Every operation reads the account first, refuses what it must not touch before
 * changing anything, then makes only the missing changes. Thread-safe; {@link #close()} releases the HTTP client.
 *
 * <p>Throws {@link ProvisioningException} for every refusal and every AWS failure, saying what was done and what
 * is left, and {@link com.doit.idp.role.RoleException} ({@code INVALID}) when the customer role's name would not fit IAM.
 */
public final class IamProvisioner implements Provisioner, AutoCloseable {
  public static final String SECURITY_AUDIT_ARN = "arn:aws:iam::aws:policy/SecurityAudit";
  /** IAM's quota of OIDC providers per account, not adjustable (docs/PROVISIONING.md). */
  public static final int PROVIDER_QUOTA = 100;
  private final RoleNames names;
  private final IdpConfig.Aws aws;
  private final ManagementPolicy policy;
  private final ManagementRoleSessions sessions;

  /**
   * @param ourCredentials our service's own AWS credentials, the ones the management role trusts
   * @param backoff the delay between retries of throttled or failed calls (the SDK's standard retry mode, 4 tries)
   */
  public IamProvisioner(RoleNames names, IdpConfig.Aws aws, AwsCredentialsProvider ourCredentials,
      ManagementPolicy policy, BackoffStrategy backoff) {
    this.names = names;
    this.aws = aws;
    this.policy = policy;
    this.sessions = new ManagementRoleSessions(aws, ourCredentials, backoff);
  }

  /** The production wiring: our credentials from the SDK's default provider chain, exponential backoff. */
  public static IamProvisioner create(IdpConfig config) {
    return new IamProvisioner(RoleNames.of(config), config.aws(), DefaultCredentialsProvider.builder().build(),
        ManagementPolicy.load(), BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(5)));
  }

  /** The role's resources in the order provisioning makes them; deprovisioning removes them in reverse. */
  private List<ResourceStep> steps(RoleId id) {
    return List.of(new ProviderStep(names, aws.oidcThumbprints(), id), new SupportPolicyStep(names, id),
        new RoleStep(names, id));
  }

  private static List<ResourceStep> reversed(List<ResourceStep> steps) {
    List<ResourceStep> r = new ArrayList<>(steps);
    Collections.reverse(r);
    return r;
  }

  @Override
  public Plan plan(RoleId id) {
    names.checkFits(id);
    List<IamCall> calls = new ArrayList<>();
    for (ResourceStep step : steps(id)) calls.addAll(step.provisionCalls());
    return policy.check(new Plan(id, Plan.Operation.PROVISION, managementRoleArn(id), calls));
  }

  @Override
  public Plan deprovisionPlan(RoleId id) {
    names.checkFits(id);
    List<IamCall> calls = new ArrayList<>();
    for (ResourceStep step : reversed(steps(id))) calls.addAll(step.deprovisionCalls());
    return policy.check(new Plan(id, Plan.Operation.DEPROVISION, managementRoleArn(id), calls));
  }

  private String managementRoleArn(RoleId id) {
    return sessions.managementRoleArn(id.account());
  }

  @Override
  public Report provision(RoleId id) {
    Plan plan = plan(id);
    try (IamSession s = open(plan)) {
      return new StepRunner(names.issuer(id)).run(plan, s, steps(id));
    }
  }

  @Override
  public Report deprovision(RoleId id) {
    Plan plan = deprovisionPlan(id);
    try (IamSession s = open(plan)) {
      return new StepRunner(names.issuer(id)).run(plan, s, reversed(steps(id)));
    }
  }

  private IamSession open(Plan plan) {
    Credentials c;
    try {
      c = sessions.assume(plan.role().account(), sessionName(plan.role()));
    } catch (AwsServiceException e) {
      String code = StepRunner.code(e);
      boolean denied = code.startsWith("AccessDenied");
      throw new ProvisioningException(denied ? ProvisioningException.Kind.ACCESS_DENIED : ProvisioningException.Kind.AWS_ERROR,
          plan.operation().word() + " " + plan.role() + " stopped before any change: our AWS account could not assume "
          + plan.assumeRoleArn() + " (" + code + ")" + (denied ? ": the customer's stack is not installed in account "
          + plan.role().account() + ", or was removed, or trusts another account" + (sessions.usesExternalIds()
          ? " or another external id" : "") : ": " + e.awsErrorDetails().errorMessage())
          + "; nothing was changed", List.of(), List.of(), e);
    } catch (SdkClientException e) {
      throw new ProvisioningException(ProvisioningException.Kind.UNREACHABLE, plan.operation().word() + " "
          + plan.role() + " stopped before any change: AWS STS could not be reached (" + e.getMessage()
          + "); nothing was changed", List.of(), List.of(), e);
    }
    return new IamSession(sessions.iam(c), plan);
  }

  @Override
  public AccountCheck check(String account) {
    String roleArn = sessions.managementRoleArn(account);
    if (!policy.allows(account, "iam:ListOpenIDConnectProviders", "*")) {
      throw new IllegalStateException("the management policy no longer allows iam:ListOpenIDConnectProviders");
    }
    Credentials c;
    try {
      c = sessions.assume(account, "aws-ops-idp-account-check");
    } catch (AwsServiceException e) {
      String code = StepRunner.code(e);
      if (!code.startsWith("AccessDenied")) {
        return AccountCheck.failed(account, roleArn, ProvisioningException.Kind.AWS_ERROR,
            "AWS STS refused to let us assume " + roleArn + " (" + code + "); try again later");
      }
      String us = sessions.ourAccount().orElse("this service's AWS account");
      return AccountCheck.failed(account, roleArn, ProvisioningException.Kind.ACCESS_DENIED, "the role "
          + aws.managementRoleName() + " in " + account + " cannot be assumed by " + us + ": check the "
          + "AccountNumberParameter" + (sessions.usesExternalIds() ? " and the ExternalId parameter (`keys-admin "
          + "account link " + account + "` gives both)" : "") + ", and that the stack's management role exists");
    } catch (SdkClientException e) {
      return AccountCheck.failed(account, roleArn, ProvisioningException.Kind.UNREACHABLE,
          "AWS STS could not be reached from aws-ops-idp; try again later");
    }
    try (IamClient iam = sessions.iam(c)) {
      List<String> arns = iam.listOpenIDConnectProviders(b -> {}).openIDConnectProviderList().stream()
          .map(p -> p.arn()).toList();
      return AccountCheck.ok(account, roleArn, arns.size(), ourProviders(account, arns));
    } catch (AwsServiceException e) {
      return AccountCheck.failed(account, roleArn, e.statusCode() == 403 ? ProvisioningException.Kind.ACCESS_DENIED
          : ProvisioningException.Kind.AWS_ERROR, "the role " + aws.managementRoleName() + " in " + account
          + " may not list the account's OIDC providers (" + StepRunner.code(e) + "): its policy is not the one of "
          + "our stack; update the stack");
    } catch (SdkClientException e) {
      return AccountCheck.failed(account, roleArn, ProvisioningException.Kind.UNREACHABLE,
          "AWS IAM could not be reached from aws-ops-idp; try again later");
    }
  }

  /** The support roles whose provider is among {@code providerArns}: our issuer, this account, a valid engineer. */
  private List<RoleId> ourProviders(String account, List<String> providerArns) {
    String probe = names.providerArn(new RoleId(account, "x"));
    String prefix = probe.substring(0, probe.length() - 1);
    return providerArns.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length()))
        .filter(RoleId::isEngineer).map(e -> new RoleId(account, e)).sorted().toList();
  }

  /** {@code aws-ops-idp-<engineer>}: CloudTrail shows whose role the management role was changing. */
  static String sessionName(RoleId id) {
    String name = "aws-ops-idp-" + id.engineer();
    return name.length() <= 64 ? name : name.substring(0, 64);
  }

  @Override
  public void close() {
    sessions.close();
  }

  /** For tests and callers that print the policy a plan is checked against. */
  public ManagementPolicy managementPolicy() {
    return policy;
  }
}
