package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.RoleId;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The STS stand-in itself ({@link WebIdentitySts}): it must refuse the tokens STS refuses, or the command line's
 * tests would prove little. The role and provider are made by the real provisioning; the tokens are crafted here and
 * signed by a key whose JWKS a loopback issuer serves.
 */
class WebIdentityStsTest {
  private static final String ACCOUNT = "123456789012";
  private static final String ENGINEER = "alice";
  private static final String ISSUER = "https://oidc.aws-ops.doit-intl.com/" + ACCOUNT + "/" + ENGINEER;
  private static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT + ":role/DoiT-Support-" + ENGINEER;

  private FakeAws aws;
  private HttpServer issuer;
  private ECKey key;
  private StsClient sts;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    aws.account(ACCOUNT, true);
    try (IamProvisioner p = ProvisioningFixture.provisioner(aws)) {
      p.provision(new RoleId(ACCOUNT, ENGINEER));
    }
    key = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
    issuer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String discovery = "{\"issuer\":\"" + ISSUER + "\",\"jwks_uri\":\"" + ISSUER + "/jwks.json\"}";
    issuer.createContext("/" + ACCOUNT + "/" + ENGINEER + "/.well-known/openid-configuration", ex -> reply(ex, discovery));
    issuer.createContext("/" + ACCOUNT + "/" + ENGINEER + "/jwks.json", ex -> reply(ex, new JWKSet(key.toPublicJWK()).toString()));
    issuer.start();
    aws.webIdentity().route("https://oidc.aws-ops.doit-intl.com", URI.create("http://127.0.0.1:" + issuer.getAddress().getPort()));
    sts = StsClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.stsEndpoint())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, String json) throws java.io.IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  @AfterEach
  void stop() {
    sts.close();
    issuer.stop(0);
    aws.close();
  }

  private String token(Consumer<JWTClaimsSet.Builder> change) throws JOSEException {
    return token(key, key.getKeyID(), change);
  }

  private String token(ECKey signer, String kid, Consumer<JWTClaimsSet.Builder> change) throws JOSEException {
    Instant now = Instant.now();
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).subject(ENGINEER).audience("sts.amazonaws.com")
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
        .claim("https://aws.amazon.com/source_identity", ENGINEER);
    change.accept(b);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), b.build());
    jwt.sign(new ECDSASigner(signer));
    return jwt.serialize();
  }

  private Credentials assume(String token) {
    return sts.assumeRoleWithWebIdentity(r -> r.roleArn(ROLE_ARN).roleSessionName(ENGINEER).webIdentityToken(token))
        .credentials();
  }

  private StsException refused(String token) {
    return assertThrows(StsException.class, () -> assume(token));
  }

  @Test
  void aTokenOfTheProvisionedIssuerGivesCredentialsThatNameTheEngineer() throws Exception {
    Credentials c = assume(token(b -> {}));
    try (StsClient asEngineer = StsClient.builder().region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(aws.stsEndpoint()).credentialsProvider(StaticCredentialsProvider.create(
            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))).build()) {
      assertEquals("arn:aws:sts::" + ACCOUNT + ":assumed-role/DoiT-Support-alice/alice", asEngineer.getCallerIdentity().arn());
    }
    assertEquals(ENGINEER, aws.webIdentity().sessions().get(c.accessKeyId()).sourceIdentity());
  }

  @Test
  void refusalsCarryStsErrorCodes() throws Exception {
    StsException audience = refused(token(b -> b.audience("someone-else")));
    assertEquals("InvalidIdentityToken", audience.awsErrorDetails().errorCode());
    assertEquals("Incorrect token audience", audience.awsErrorDetails().errorMessage());

    StsException provider = refused(token(b -> b.issuer("https://oidc.aws-ops.doit-intl.com/" + ACCOUNT + "/bob")));
    assertTrue(provider.awsErrorDetails().errorMessage().startsWith("No OpenIDConnect provider found"), provider.getMessage());

    assertEquals("ExpiredTokenException", refused(token(b -> b.expirationTime(Date.from(Instant.now().minusSeconds(5)))))
        .awsErrorDetails().errorCode());

    StsException kid = refused(token(key, "unknown-kid", b -> {}));
    assertTrue(kid.awsErrorDetails().errorMessage().startsWith("Couldn't retrieve verification key"), kid.getMessage());

    ECKey other = new ECKeyGenerator(Curve.P_256).generate();
    StsException forged = refused(token(other, key.getKeyID(), b -> {}));
    assertEquals("InvalidIdentityToken", forged.awsErrorDetails().errorCode());

    // the trust policy's :sub condition: a token of this issuer for another engineer
    StsException sub = refused(token(b -> b.subject("bob")));
    assertEquals("AccessDenied", sub.awsErrorDetails().errorCode());
    assertEquals(403, sub.statusCode());
  }

  @Test
  void anIssuerStsCannotReachIsIdpCommunicationError() throws Exception {
    issuer.stop(0);
    StsException e = refused(token(b -> {}));
    assertEquals("IDPCommunicationError", e.awsErrorDetails().errorCode());
  }

  @Test
  void parametersAreValidatedAsStsDoes() throws Exception {
    String token = token(b -> {});
    StsException name = assertThrows(StsException.class, () -> sts.assumeRoleWithWebIdentity(r -> r.roleArn(ROLE_ARN)
        .roleSessionName("a").webIdentityToken(token)));
    assertEquals("ValidationError", name.awsErrorDetails().errorCode());
    StsException duration = assertThrows(StsException.class, () -> sts.assumeRoleWithWebIdentity(r -> r.roleArn(ROLE_ARN)
        .roleSessionName(ENGINEER).webIdentityToken(token).durationSeconds(7200)));
    assertEquals("ValidationError", duration.awsErrorDetails().errorCode());
  }
}
