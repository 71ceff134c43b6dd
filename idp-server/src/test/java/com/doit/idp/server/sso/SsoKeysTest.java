package com.doit.idp.server.sso;

import com.doit.idp.role.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.server.sso.SsoException.Reason;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How {@link SsoVerifier} fetches the issuer's discovery document and JWKS: counted on a plain HTTP issuer, so the
 * number of fetches is asserted, not guessed.
 */
class SsoKeysTest {
  private static final String DISCOVERY = "/sso/.well-known/openid-configuration";
  private static final String JWKS = "/sso/jwks";

  private CountingServer server;
  private MutableClock clock;
  private String issuer;

  @BeforeEach
  void start() {
    server = new CountingServer();
    clock = new MutableClock(Instant.now());
    issuer = server.url("/sso");
    discovery(issuer, server.url(JWKS));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void discovery(String iss, String jwksUri) {
    server.answer(DISCOVERY, CountingServer.Answer.json("{\"issuer\":\"" + iss + "\",\"jwks_uri\":\"" + jwksUri + "\"}"));
  }

  private void publish(JWK... keys) {
    String body = List.of(keys).stream().map(k -> k.toPublicJWK().toJSONString()).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
    server.answer(JWKS, CountingServer.Answer.json(body));
  }

  private SsoVerifier verifier() {
    return new SsoVerifier(URI.create(issuer), SsoTestIssuer.config(), clock);
  }

  /**
   * Nimbus times its cache and rate limit by the system clock: intervals of hours keep the fetch counts exact
   * however slow the machine running the test is.
   */
  private SsoVerifier slowIntervalsVerifier() {
    return new SsoVerifier(URI.create(issuer), SsoTestIssuer.config(), clock,
        new SsoKeys.Fetching(Duration.ofSeconds(3), Duration.ofSeconds(5), 256 * 1024, Duration.ofHours(2),
            Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)));
  }

  private String token(JWK key) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("carol-1").audience(SsoTestIssuer.AUDIENCE)
        .issueTime(Date.from(clock.instant())).expirationTime(Date.from(clock.instant().plusSeconds(300)))
        .claim("email", "carol@doit.com").claim("email_verified", true).build();
    if (key instanceof ECKey ec) {
      return SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims, new ECDSASigner(ec));
    }
    RSAKey rsa = (RSAKey) key;
    return SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims, SsoTestIssuer.signer(rsa));
  }

  @Test
  void anUnknownKidRefetchesTheJwksOnceThenTheRateLimitHolds() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    RSAKey b = new RSAKeyGenerator(2048).keyID("b").generate();
    RSAKey c = new RSAKeyGenerator(2048).keyID("c").generate();
    publish(a);
    SsoVerifier v = slowIntervalsVerifier();
    assertEquals("carol", v.verify(token(a)).engineer());
    assertEquals("carol", v.verify(token(a)).engineer());
    assertEquals(1, server.count(JWKS), "the JWKS is cached");
    assertEquals(1, server.count(DISCOVERY));

    publish(a, b); // the issuer rotates: b is new
    assertEquals("carol", v.verify(token(b)).engineer());
    assertEquals(2, server.count(JWKS), "an unknown kid refetches the JWKS");

    for (int i = 0; i < 5; i++) {
      SsoException e = assertThrows(SsoException.class, () -> v.verify(token(c)));
      assertEquals(Reason.UNKNOWN_KID, e.reason());
    }
    assertEquals(2, server.count(JWKS), "unknown kids do not make the JWKS fetched again within the rate limit");
    assertEquals(1, server.count(DISCOVERY));
  }

  @Test
  void anEs256TokenIsVerifiedWithTheIssuersP256Key() throws Exception {
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
    publish(ec);
    assertEquals("carol", verifier().verify(token(ec)).engineer());
  }

  @Test
  void aKeyOfAnotherTypeUnderTheSameKidIsNotUsed() throws Exception {
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("k").generate();
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("k").generate();
    publish(rsa);
    SsoException e = assertThrows(SsoException.class, () -> verifier().verify(token(ec)));
    assertEquals(Reason.UNKNOWN_KID, e.reason());
  }

  @Test
  void aRedirectIsNotFollowed() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    publish(a);
    server.answer(DISCOVERY, new CountingServer.Answer(302, Map.of("Location", server.url("/elsewhere")), ""));
    SsoException e = assertThrows(SsoException.class, () -> verifier().verify(token(a)));
    assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
    assertEquals(0, server.count("/elsewhere"));
  }

  @Test
  void aJwksUriOverPlainHttpToAnotherHostIsNeverFetched() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    discovery(issuer, "http://jwks.example.com/keys");
    SsoException e = assertThrows(SsoException.class, () -> verifier().verify(token(a)));
    assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
  }

  @Test
  void anOversizedJwksIsRefused() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    server.answer(JWKS, CountingServer.Answer.json("{\"keys\":[" + a.toPublicJWK().toJSONString() + "],\"pad\":\""
        + "x".repeat(300 * 1024) + "\"}"));
    SsoException e = assertThrows(SsoException.class, () -> verifier().verify(token(a)));
    assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
  }

  @Test
  void aDownIssuerIsAskedForItsDiscoveryDocumentAtMostOncePerRetryInterval() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    server.answer(DISCOVERY, new CountingServer.Answer(503, Map.of(), "{}"));
    SsoVerifier v = slowIntervalsVerifier();
    for (int i = 0; i < 5; i++) {
      SsoException e = assertThrows(SsoException.class, () -> v.verify(token(a)));
      assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
    }
    v.isReady();
    assertEquals(1, server.count(DISCOVERY));
  }

  @Test
  void theVerifierBecomesReadyWhenTheIssuerComesBack() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    server.answer(DISCOVERY, new CountingServer.Answer(503, Map.of(), "{}"));
    SsoVerifier v = new SsoVerifier(URI.create(issuer), SsoTestIssuer.config(), clock,
        new SsoKeys.Fetching(Duration.ofSeconds(2), Duration.ofSeconds(2), 64 * 1024, Duration.ofMinutes(5),
            Duration.ofSeconds(30), Duration.ofHours(1), Duration.ZERO));
    assertEquals(false, v.isReady());
    discovery(issuer, server.url(JWKS));
    publish(a);
    assertTrue(v.isReady());
    assertEquals("carol", v.verify(token(a)).engineer());
  }

  @Test
  void aJwksThatWasNeverLoadedIsAnOutageOnEveryRequestNotAnUnknownKid() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    server.answer(JWKS, new CountingServer.Answer(500, Map.of(), "{}"));
    SsoVerifier v = slowIntervalsVerifier();
    for (int i = 0; i < 4; i++) {
      SsoException e = assertThrows(SsoException.class, () -> v.verify(token(a)));
      assertEquals(Reason.SSO_UNAVAILABLE, e.reason(), "attempt " + i);
    }
    assertEquals(false, v.isReady());
    assertTrue(server.count(JWKS) <= 2, "the JWKS fetches stay rate-limited during the outage");
  }

  @Test
  void keysOnceLoadedKeepVerifyingThroughAnOutageOfTheIssuer() throws Exception {
    RSAKey a = new RSAKeyGenerator(2048).keyID("a").generate();
    RSAKey b = new RSAKeyGenerator(2048).keyID("b").generate();
    publish(a);
    SsoVerifier v = verifier();
    assertEquals("carol", v.verify(token(a)).engineer());
    server.answer(JWKS, new CountingServer.Answer(500, Map.of(), "{}"));
    SsoException e = assertThrows(SsoException.class, () -> v.verify(token(b)));
    assertEquals(Reason.UNKNOWN_KID, e.reason());
    assertEquals("carol", v.verify(token(a)).engineer());
    assertTrue(v.isReady());
  }

  @Test
  void aJwksUriIsPlainHttpOnlyOnARealLoopbackAddress() {
    for (String ok : List.of("https://sso.example.com/jwks", "http://127.0.0.1:1/jwks", "http://127.9.9.9/jwks",
        "http://localhost:8/jwks", "http://[::1]:8/jwks")) {
      assertEquals(ok, String.valueOf(SsoKeys.jwksUri(ok)), ok);
    }
    for (String bad : List.of("http://127.evil.example/jwks", "http://127.0.0.1.evil.example/jwks",
        "http://localhost.evil.example/jwks", "http://[::2]/jwks", "http://sso.example.com/jwks", "ftp://127.0.0.1/x",
        "/relative/jwks", "not a url")) {
      assertEquals(null, SsoKeys.jwksUri(bad), bad);
    }
    assertEquals(null, SsoKeys.jwksUri(42));
    assertEquals(null, SsoKeys.jwksUri(null));
  }
}
