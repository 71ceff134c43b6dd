package com.doit.idp.bench;

import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * The company SSO stand-in for the load: mock-oauth2-server, a real OIDC issuer (discovery, JWKS, RS256-signed ID
 * tokens) on a loopback port. It must serve its JWKS for as long as the IdP server runs. Not thread-safe.
 */
final class SsoIssuer implements AutoCloseable {
  static final String ISSUER_ID = "bench";
  static final String AUDIENCE = "aws-ops-idp-bench";
  static final String DOMAIN = "bench.example.com";

  private final MockOAuth2Server server = new MockOAuth2Server();

  SsoIssuer() {
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  URI issuer() {
    return URI.create(server.issuerUrl(ISSUER_ID).toString());
  }

  /** An ID token for {@code engineer}@bench.example.com, verified email, valid for {@code seconds}. */
  String idToken(String engineer, long seconds) {
    return server.issueToken(ISSUER_ID, engineer + "-sso-subject", AUDIENCE,
        Map.of("email", engineer + "@" + DOMAIN, "email_verified", true), seconds).serialize();
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
