package com.doit.idp.server.hostile;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * The company SSO as the server under test sees it: a real mock-oauth2-server on a free loopback port that
 * publishes discovery and JWKS over HTTP, whose signing key the test also holds, so a test can sign any claims,
 * well-formed or hostile, with the key the server trusts.
 *
 * <p>Times in the claims come from the {@link Clock} given at start, so they line up with the server's clock.
 * Thread-safe once started.
 */
public final class SsoIssuer implements AutoCloseable {
  /** The path segment of the issuer on the mock server; also the mock's {@code kid} for its key. */
  public static final String ISSUER_ID = "sso";
  public static final String AUDIENCE = "aws-ops-idp-test";
  public static final String DOMAIN = "doit-intl.com";

  private final MockOAuth2Server server;
  private final RSAKey key;
  private final Clock clock;

  private SsoIssuer(MockOAuth2Server server, RSAKey key, Clock clock) {
    this.server = server;
    this.key = key;
    this.clock = clock;
  }

  public static SsoIssuer start(Clock clock) {
    KeyProvider keys = new KeyProvider();
    OAuth2TokenProvider tokens = new OAuth2TokenProvider(keys);
    MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, tokens));
    server.start(InetAddress.getLoopbackAddress(), 0);
    // The mock names its key after the issuer id and keeps it for the life of the server: this is the key whose
    // public half it publishes at <issuer>/jwks.
    RSAKey key = keys.signingKey(ISSUER_ID).toRSAKey();
    SsoIssuer sso = new SsoIssuer(server, key, clock);
    sso.warmUp();
    return sso;
  }

  /**
   * The mock's first answers load much of Kotlin and Jackson and can take seconds on a busy machine; the server
   * under test gives its SSO fetches 3 s. Asking once here keeps a slow first answer out of every test.
   */
  private void warmUp() {
    for (String url : List.of(issuer() + "/.well-known/openid-configuration", jwksUrl())) {
      try {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection();
        c.setConnectTimeout(30_000);
        c.setReadTimeout(30_000);
        if (c.getResponseCode() != 200) throw new IllegalStateException(url + " answered " + c.getResponseCode());
        c.getInputStream().readAllBytes();
        c.disconnect();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** The issuer URL, as written in {@code sso.issuer} and in every token's {@code iss}. */
  public String issuer() {
    // 127.0.0.1, not the mock's "localhost": that may resolve to ::1 first, where nothing listens
    return "http://127.0.0.1:" + server.baseUrl().port() + "/" + ISSUER_ID;
  }

  public String jwksUrl() {
    return issuer() + "/jwks";
  }

  /** The key the server trusts, private half included (only tests hold it). */
  public RSAKey signingKey() {
    return key;
  }

  public Clock clock() {
    return clock;
  }

  /** Claims of a good SSO ID token for {@code <local>@doit-intl.com}, valid for 5 minutes from now. */
  public Claims claimsFor(String localPart) {
    return claims(localPart + "@" + DOMAIN);
  }

  public Claims claims(String email) {
    Instant now = clock.instant();
    Claims c = new Claims();
    c.put("iss", issuer());
    c.put("sub", "sso-subject-" + Math.abs(email.hashCode()));
    c.put("aud", AUDIENCE);
    c.put("email", email);
    c.put("email_verified", true);
    c.put("iat", now.getEpochSecond());
    c.put("nbf", now.getEpochSecond());
    c.put("exp", now.plus(Duration.ofMinutes(5)).getEpochSecond());
    return c;
  }

  /** A good SSO ID token for {@code <local>@doit-intl.com}. */
  public String tokenFor(String localPart) {
    return claimsFor(localPart).sign();
  }

  /** Mutable claims of one SSO token; {@link #sign()} signs them with the trusted key. */
  public final class Claims {
    private final Map<String, Object> map = new LinkedHashMap<>();

    public Claims put(String name, Object value) {
      map.put(name, value);
      return this;
    }

    public Claims remove(String name) {
      map.remove(name);
      return this;
    }

    /** Sets {@code iat} (and {@code nbf}) to {@code at}, and {@code exp} five minutes later. */
    public Claims issuedAt(Instant at) {
      map.put("iat", at.getEpochSecond());
      map.put("nbf", at.getEpochSecond());
      map.put("exp", at.plus(Duration.ofMinutes(5)).getEpochSecond());
      return this;
    }

    public Map<String, Object> asMap() {
      return Map.copyOf(map);
    }

    public JWTClaimsSet toClaimsSet() {
      JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
      map.forEach((k, v) -> {
        if (v instanceof Long l && List.of("iat", "nbf", "exp").contains(k)) {
          b.claim(k, new Date(l * 1000));
        } else {
          b.claim(k, v);
        }
      });
      return b.build();
    }

    /** Signed by the SSO's own key with its own {@code kid}: the token the server must accept if the claims are good. */
    public String sign() {
      return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build());
    }

    /** Signed by the SSO's own key under a header of the test's choosing. */
    public String sign(JWSHeader header) {
      try {
        SignedJWT jwt = new SignedJWT(header, toClaimsSet());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
