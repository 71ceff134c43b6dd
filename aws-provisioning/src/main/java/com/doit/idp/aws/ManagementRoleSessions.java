package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
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
 * Our way into a customer's account: {@code sts:AssumeRole} of its management role with our own credentials (and
 * the account's external id when {@code aws.external-id-secret-file} is set), then an IAM client acting as that role.
 * One HTTP client, the SDK's standard retries (4 tries, with the given backoff) and time limits for every call, so a
 * hung AWS never holds an admin API worker, a hook or the command line forever. Thread-safe; {@link #close()}
 * releases the HTTP client.
 */
final class ManagementRoleSessions implements AutoCloseable {
  /** The shortest session STS grants; one operation takes seconds. */
  static final int SESSION_SECONDS = 900;

  private final IdpConfig.Aws aws;
  private final ExternalIds externalIds;
  private final SdkHttpClient http;
  private final RetryStrategy retry;
  private final StsClient sts;

  ManagementRoleSessions(IdpConfig.Aws aws, AwsCredentialsProvider ourCredentials, BackoffStrategy backoff) {
    this.aws = aws;
    this.externalIds = ExternalIds.of(aws.externalIdSecret());
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

  private void limits(ClientOverrideConfiguration.Builder o) {
    o.retryStrategy(retry).apiCallAttemptTimeout(Duration.ofSeconds(20)).apiCallTimeout(Duration.ofSeconds(90));
  }

  /** {@code arn:aws:iam::<account>:role/<aws.management-role-name>}. */
  String managementRoleArn(String account) {
    return "arn:aws:iam::" + account + ":role/" + aws.managementRoleName();
  }

  boolean usesExternalIds() {
    return externalIds.configured();
  }

  /**
   * Assumes the management role of {@code account}; the session name shows in the customer's CloudTrail.
   *
   * @throws AwsServiceException AWS's refusal ({@code AccessDenied}: the stack is missing or trusts another account
   *     or another external id)
   * @throws software.amazon.awssdk.core.exception.SdkClientException STS could not be reached
   */
  Credentials assume(String account, String sessionName) {
    return sts.assumeRole(b -> {
      b.roleArn(managementRoleArn(account)).roleSessionName(sessionName).durationSeconds(SESSION_SECONDS);
      // An external id the role's trust does not ask for is ignored by STS: accounts with the older stack still work.
      externalIds.forAccount(account).ifPresent(b::externalId);
    }).credentials();
  }

  /** An IAM client acting with {@code c}; the caller closes it. */
  IamClient iam(Credentials c) {
    IamClientBuilder b = IamClient.builder()
        // IAM is global, served from us-east-1 and signed for it; aws-global would sign for "aws-global" when the
        // endpoint is overridden, which IAM refuses (SignatureDoesNotMatch).
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())))
        .httpClient(http)
        .overrideConfiguration(this::limits);
    aws.iamEndpoint().ifPresent(b::endpointOverride);
    return b.build();
  }

  /** Our own AWS account ({@code sts:GetCallerIdentity}), to name it in a refusal; empty when STS cannot say. */
  Optional<String> ourAccount() {
    try {
      return Optional.ofNullable(sts.getCallerIdentity(b -> {}).account());
    } catch (SdkException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    sts.close();
    http.close();
  }
}
