package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.IamClientBuilder;
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
 * is left, and {@link com.doit.idp.role.RoleException} ({@code INVALID}) when the customer role's name would not fit IAM.
 */
public final class IamProvisioner implements Provisioner, AutoCloseable {
  public static final String SECURITY_AUDIT_ARN = "arn:aws:iam::aws:policy/SecurityAudit";
  /** IAM's quota of OIDC providers per account, not adjustable (docs/PROVISIONING.md). */
  public static final int PROVIDER_QUOTA = 100;
  /** The shortest session STS grants; one operation takes seconds. */
  static final int SESSION_SECONDS = 900;

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
    return "arn:aws:iam::" + id.account() + ":role/" + aws.managementRoleName();
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
      c = sts.assumeRole(b -> b.roleArn(plan.assumeRoleArn())
          .roleSessionName(sessionName(plan.role()))
          .durationSeconds(SESSION_SECONDS)).credentials();
    } catch (AwsServiceException e) {
      String code = StepRunner.code(e);
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
