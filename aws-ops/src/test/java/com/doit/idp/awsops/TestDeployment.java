package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.IdpServer;
import com.doit.idp.server.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * What an engineer's aws-ops talks to, all real and on free loopback ports: mock-oauth2-server as the company SSO
 * (authorization code with PKCE, refresh tokens, ID tokens carrying the engineer's verified email), the real idp-server on
 * the JVM's SoftHSM2 token with the production token wiring, and {@link FakeAws} as STS, which fetches the role's
 * discovery document and JWKS from the server's public listener (routed as a load balancer would) and checks the
 * token and the trust policy that {@link IamProvisioner} wrote. Start one per test class; close it after. The
 * SoftHSM2 token is the JVM's, shared with other classes' deployments: each deployment has an engineer of its own
 * (jane-...), so that her {@code GET /roles} lists this deployment's roles only.
 */
final class TestDeployment implements AutoCloseable {
  static final String SSO_ID = "sso";
  static final String CLIENT_ID = "aws-ops-test-client";
  static final String ISSUER_BASE = "https://oidc.aws-ops.doit-intl.com";

  final Path dir;
  final String engineer = "jane-" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 40, 1L << 45), 36);
  final String email = engineer + "@doit.com";
  final MockOAuth2Server sso;
  final FakeAws aws;
  final Pkcs11RoleKeyStore store;
  final FileAuditLog audit;
  final IdpServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

  TestDeployment(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    // An SSO that signs jane in without a login page: its authorization endpoint redirects at once, as a browser
    // already signed in to the company SSO sees it. Refresh tokens rotate, as Okta's do.
    sso = new MockOAuth2Server(new OAuth2Config(false, null, null, true, new OAuth2TokenProvider(),
        Set.of(new DefaultOAuth2TokenCallback(SSO_ID, "sso-subject-of-" + engineer, "JWT", List.of(CLIENT_ID),
            Map.of("email", email, "email_verified", true), 3600))));
    sso.start(InetAddress.getByName("127.0.0.1"), 0);
    // mock-oauth2-server makes its key and loads its JSON machinery on first use, which takes seconds on a busy
    // machine: do it now, with patience, so that no test meets the server's short SSO fetch timeouts because of it.
    sso.issueToken(SSO_ID, "warm-up", "warm-up");
    send(HttpRequest.newBuilder(sso.jwksUrl(SSO_ID).uri()).timeout(Duration.ofSeconds(60)).build());
    aws = new FakeAws();
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
    IdpConfig config = TestServer.config(dir, Map.of(
        "sso.issuer", ssoIssuer().toString(),
        "sso.audiences", CLIENT_ID,
        "sso.allowed-domains", "doit.com",
        "tokens.algorithm", "ES256", // EC keys generate in milliseconds on SoftHSM2
        "http.rate-limit", "1000/m"), true);
    audit = new FileAuditLog(dir.resolve("audit.log"));
    server = IdpServer.builder(config).roleKeyStore(store).clock(Clock.systemUTC()).auditLog(audit).start();
    aws.webIdentity().route(ISSUER_BASE, server.url("public"));
    // Ready means the SSO keys are loaded too: a first request then never meets a cold SSO key fetch.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    URI readyz = URI.create(server.url("management") + "/readyz");
    while (send(HttpRequest.newBuilder(readyz).build()).statusCode() != 200) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("the server did not become ready within 60 s");
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  URI ssoIssuer() {
    return sso.issuerUrl(SSO_ID).uri();
  }

  URI tokenUrl() {
    return server.url("token");
  }

  /** A new account where the engineer has an active role, provisioned in the customer's IAM as keys-admin would. */
  String grantedAccount() {
    String account = SoftHsmToken.uniqueAccount();
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(server.url("management") + "/admin/roles"))
        .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"account\":\"" + account + "\",\"engineer\":\"" + engineer + "\"}"))
        .build());
    assertEquals(201, r.statusCode(), r.body());
    aws.account(account, true);
    try (IamProvisioner p = ProvisioningFixture.provisioner(aws)) {
      p.provision(new RoleId(account, engineer));
    }
    return account;
  }

  /** The settings an engineer's environment gives aws-ops for this deployment, with a home of its own. */
  Map<String, String> engineerEnv(Path home) {
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of(
        "HOME", home.toString(),
        "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_CONFIG_HOME", home.resolve(".config").toString(),
        "AWS_CONFIG_FILE", home.resolve(".aws/config").toString(),
        "AWS_OPS_IDP_TOKEN_URL", tokenUrl().toString(),
        "AWS_OPS_SSO_ISSUER", ssoIssuer().toString(),
        "AWS_OPS_SSO_CLIENT_ID", CLIENT_ID,
        "AWS_OPS_STS_ENDPOINT", aws.stsEndpoint().toString());
  }

  /** AssumeRoleWithWebIdentity calls STS answered with credentials. */
  long exchanges() {
    return aws.received().stream().filter(r -> r.action().equals("AssumeRoleWithWebIdentity") && r.error() == null).count();
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      try {
        audit.close();
        store.close();
      } finally {
        aws.close();
        sso.shutdown();
      }
    }
  }
}
