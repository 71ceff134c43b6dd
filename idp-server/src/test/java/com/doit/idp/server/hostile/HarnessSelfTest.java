package com.doit.idp.server.hostile;

import com.doit.idp.role.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness checks itself before it judges the server: the SSO issuer's tokens verify against the JWKS it
 * publishes over HTTP, and every forgery fails a strict verifier. A forgery that a correct verifier accepts
 * would make the catalogue's "refused" assertions meaningless.
 */
class HarnessSelfTest {
  static SsoIssuer sso;
  static Canary canary;
  static HostileTokens hostile;

  @BeforeAll
  static void start() {
    sso = SsoIssuer.start(java.time.Clock.systemUTC());
    hostile = new HostileTokens();
    canary = Canary.start(hostile.attackerJwks());
  }

  @AfterAll
  static void stop() {
    sso.close();
    canary.close();
  }

  private static DefaultJWTProcessor<SecurityContext> strictVerifier() throws Exception {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    var source = JWKSourceBuilder.create(URI.create(sso.jwksUrl()).toURL()).retrying(false).build();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, source));
    return p;
  }

  @Test
  void aGoodSsoTokenVerifiesAgainstTheJwksTheMockPublishes() throws Exception {
    JWTClaimsSet claims = strictVerifier().process(sso.tokenFor("alice"), null);
    assertEquals("alice@" + SsoIssuer.DOMAIN, claims.getStringClaim("email"));
    assertEquals(sso.issuer(), claims.getIssuer());
    assertTrue(sso.issuer().startsWith("http://"), sso.issuer());
  }

  @Test
  void everyForgeryFailsAStrictVerifierAndTouchesNoCanary() throws Exception {
    var verifier = strictVerifier();
    var forgeries = hostile.all(sso.claimsFor("alice"), sso, canary);
    assertTrue(forgeries.size() > 40, "forgeries: " + forgeries.size());
    for (var f : forgeries) {
      assertThrows(Exception.class, () -> verifier.process(f.token(), null), f.name());
    }
    assertEquals(java.util.List.of(), canary.requests());
  }

  @Test
  void theCanaryRecordsWhatReachesIt() {
    // a canary of its own: the shared one must stay untouched for the forgery test
    try (Canary own = Canary.start(hostile.attackerJwks())) {
      var r = new RawHttp(URI.create(own.url("/")).getPort(), Duration.ofSeconds(5))
          .send(RawHttp.request("GET", "/probe", Map.of(), new byte[0]));
      assertEquals(200, r.status());
      assertTrue(r.body().contains("attacker-rsa"));
      assertEquals(java.util.List.of("GET /probe"), own.requests());
    }
  }

  @Test
  void rawHttpFramesChunkedBodies() {
    byte[] c = RawHttp.chunked("abcdefghij".getBytes(StandardCharsets.US_ASCII), 4);
    assertEquals("4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\n\r\n", new String(c, StandardCharsets.US_ASCII));
  }

  @Test
  void testClockMovesOnlyWhenTold() {
    MutableClock c = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    Instant before = c.instant();
    c.advance(Duration.ofSeconds(301));
    assertNotEquals(before, c.instant());
    assertFalse(c.instant().isBefore(before.plusSeconds(301)));
  }
}
