package com.doit.idp.awsops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@code sts:AssumeRoleWithWebIdentity} through the AWS SDK v2 STS client (unsigned: the token is the proof).
 * Right after a role is created or its key rotated, STS may not have our JWKS yet and answers
 * {@code IDPCommunicationError} or {@code InvalidIdentityToken}: those are retried with backoff for up to 30 s (docs/
 * ENGINEERS.md "Errors"); every other refusal is one line at once. Close it after use; not shared between threads.
 */
final class StsWebIdentity implements AutoCloseable {
  static final Duration RETRY_FOR = Duration.ofSeconds(30);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(8);

  private final StsClient sts;
  private final Clock clock;
  private final Context.Sleeper sleeper;

  StsWebIdentity(Settings settings, Clock clock, Context.Sleeper sleeper) {
    this.clock = clock;
    this.sleeper = sleeper;
    StsClientBuilder b = StsClient.builder().region(Region.of(settings.stsRegion()))
        .credentialsProvider(AnonymousCredentialsProvider.create())
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(30)).build());
    settings.stsEndpoint().ifPresent(b::endpointOverride);
    this.sts = b.build();
  }

  /** Temporary credentials of {@code roleArn} for the session {@code sessionName} (the engineer id). */
  AwsCredentials assume(String roleArn, String sessionName, String webIdentityToken) {
    Instant deadline = clock.instant().plus(RETRY_FOR);
    Duration pause = FIRST_PAUSE;
    while (true) {
      try {
        AssumeRoleWithWebIdentityResponse r = sts.assumeRoleWithWebIdentity(b -> b.roleArn(roleArn)
            .roleSessionName(sessionName).webIdentityToken(webIdentityToken));
        Credentials c = r.credentials();
        return new AwsCredentials(c.accessKeyId(), c.secretAccessKey(), c.sessionToken(), c.expiration());
      } catch (StsException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        boolean transientError = "IDPCommunicationError".equals(code) || "InvalidIdentityToken".equals(code);
        Instant now = clock.instant();
        if (transientError && now.isBefore(deadline)) {
          Duration left = Duration.between(now, deadline);
          sleep(pause.compareTo(left) < 0 ? pause : left);
          pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) < 0 ? pause.multipliedBy(2) : LONGEST_PAUSE;
          continue;
        }
        throw refusal(roleArn, code, message, transientError);
      } catch (SdkClientException e) {
        throw new AwsOpsException("cannot reach AWS STS (" + AwsOpsException.oneLine(e.getMessage())
            + "): check your network, and sts.endpoint / sts.region in your settings");
      }
    }
  }

  private void sleep(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AwsOpsException("interrupted while waiting to ask AWS STS again");
    }
  }

  private static AwsOpsException refusal(String roleArn, String code, String message, boolean afterRetries) {
    String what = AwsOpsException.oneLine((code == null ? "error" : code) + (message == null ? "" : ": " + message));
    if (afterRetries) {
      return new AwsOpsException("AWS STS could not verify the token for " + roleArn + " for " + RETRY_FOR.toSeconds()
          + " s (" + what + "): a new or rotated role needs a minute; if it lasts, tell the operators (the role's "
          + "issuer must be reachable by STS)");
    }
    if ("AccessDenied".equals(code)) {
      return new AwsOpsException("AWS STS refused " + roleArn + " (" + what + "): the role's trust policy does not "
          + "accept you; tell the operators (keys-admin role plan)");
    }
    if ("ExpiredTokenException".equals(code)) {
      return new AwsOpsException("AWS STS found the token expired (" + what + "): check this computer's clock");
    }
    return new AwsOpsException("AWS STS refused " + roleArn + " (" + what + ")");
  }

  @Override
  public void close() {
    sts.close();
  }
}
