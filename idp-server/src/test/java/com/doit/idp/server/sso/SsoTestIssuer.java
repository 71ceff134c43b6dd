package com.doit.idp.server.sso;

import com.doit.idp.config.IdpConfig;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * A real upstream SSO issuer for tests: mock-oauth2-server on a free loopback port, serving discovery and JWKS over
 * HTTP. Tokens come from the server itself ({@link #idToken}) or, for claims it always sets, are signed here with
 * the very key the server publishes ({@link #signWithIssuerKey}).
 */
public final class SsoTestIssuer implements AutoCloseable {
  public static final String ISSUER_ID = "sso";
  public static final String AUDIENCE = "aws-ops-idp-test";
  public static final String DOMAIN = "doit.com";

  private final KeyProvider keys = new KeyProvider();
  private final MockOAuth2Server server;

  public SsoTestIssuer() {
    server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(keys)));
    server.start(InetAddress.getLoopbackAddress(), 0);
    warmUp();
  }

  /**
   * The server generates its key and loads its JSON machinery on first use, which can take seconds on a busy
   * machine: do it here, with a generous timeout, so no test meets the verifier's short fetch timeouts because of it.
   */
  private void warmUp() {
    idToken("warm-up@" + DOMAIN);
    try {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) server.wellKnownUrl(ISSUER_ID).url().openConnection();
      c.setConnectTimeout(30_000);
      c.setReadTimeout(30_000);
      c.getInputStream().readAllBytes();
      c.disconnect();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public URI issuer() {
    return server.issuerUrl(ISSUER_ID).uri();
  }

  public URI jwksUri() {
    return server.jwksUrl(ISSUER_ID).uri();
  }

  /** {@code sso.*} as a deployment for this issuer would configure it. */
  public static IdpConfig.Sso config() {
    return new IdpConfig.Sso(java.util.Optional.empty(), List.of("other-client", AUDIENCE), List.of(DOMAIN),
        true, Duration.ofHours(1), IdpConfig.EngineerIdForm.LOCAL_PART, java.util.Map.of());
  }

  /** An ID token as the issuer itself issues it: the given email, verified, for our audience, valid an hour. */
  public String idToken(String email) {
    return idToken(AUDIENCE, claims(email, true), 3600);
  }

  public String idToken(String audience, Map<String, Object> claims, long expirySeconds) {
    return server.issueToken(ISSUER_ID, UUID.randomUUID().toString(), audience, claims, expirySeconds).serialize();
  }

  public static Map<String, Object> claims(String email, Object verified) {
    Map<String, Object> c = new LinkedHashMap<>();
    if (email != null) c.put("email", email);
    if (verified != null) c.put("email_verified", verified);
    return c;
  }

  /** The issuer's own private signing key: the one its JWKS publishes. */
  public RSAKey signingKey() {
    return (RSAKey) keys.signingKey(ISSUER_ID);
  }

  /** Claims like the issuer's, for tokens crafted here. */
  public JWTClaimsSet.Builder claimsAt(Instant now, String email) {
    return new JWTClaimsSet.Builder().issuer(issuer().toString()).subject("s").audience(AUDIENCE)
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
        .claim("email", email).claim("email_verified", true);
  }

  /** Signs with the issuer's published key and kid: a token the issuer could have issued. */
  public String signWithIssuerKey(JWTClaimsSet claims) {
    RSAKey k = signingKey();
    return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(k.getKeyID()).build(), claims, signer(k));
  }

  public static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JWSSigner signer(RSAKey k) {
    try {
      return new RSASSASigner(k);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
