package com.doit.idp.server.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.MutableClock;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;

/** The development SSO issuer hands out ID tokens that an independent library verifies against its JWKS. */
class DevSsoIssuerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(URI u) throws Exception {
    return http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anIdTokenVerifiesAgainstTheIssuersJwksWithTheDevClaims() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    try (DevSsoIssuer sso = DevSsoIssuer.start(0, clock)) {
      URI issuer = sso.issuer();
      assertTrue(issuer.toString().matches("http://127\\.0\\.0\\.1:[0-9]+"), issuer.toString());
      Map<String, Object> d = JSONObjectUtils.parse(get(URI.create(issuer + "/.well-known/openid-configuration")).body());
      assertEquals(issuer.toString(), d.get("issuer"));
      HttpResponse<String> r = get(URI.create(issuer + "/id-token?email=alice@doit.com"));
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
      HttpsJwks jwks = new HttpsJwks((String) d.get("jwks_uri"));
      JwtConsumer consumer = new JwtConsumerBuilder().setExpectedIssuer(issuer.toString())
          .setExpectedAudience(DevSsoIssuer.AUDIENCE).setRequireExpirationTime().setRequireIssuedAt()
          .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(jwks)).build();
      JwtClaims claims = consumer.processToClaims(r.body().strip());
      assertEquals("alice@doit.com", claims.getClaimValue("email"));
      assertEquals(Boolean.TRUE, claims.getClaimValue("email_verified"));
      assertEquals(List.of(DevSsoIssuer.AUDIENCE), claims.getAudience());
    }
  }

  @Test
  void aMissingOrMalformedEmailGets400Json() throws Exception {
    try (DevSsoIssuer sso = DevSsoIssuer.start(0, new MutableClock(Instant.now()))) {
      for (String q : List.of("", "?email=", "?email=not-an-email", "?email=a@b.c&email=d@e.f")) {
        HttpResponse<String> r = get(URI.create(sso.issuer() + "/id-token" + q));
        assertEquals(400, r.statusCode(), q);
        assertEquals("invalid_request", JSONObjectUtils.parse(r.body()).get("error"));
      }
    }
  }

  @Test
  void aTakenPortFallsBackToAFreeOne() throws Exception {
    try (DevSsoIssuer first = DevSsoIssuer.start(0, new MutableClock(Instant.now()));
        DevSsoIssuer second = DevSsoIssuer.start(first.issuer().getPort(), new MutableClock(Instant.now()))) {
      assertTrue(second.issuer().getPort() != first.issuer().getPort());
      assertEquals(200, get(URI.create(second.issuer() + "/jwks.json")).statusCode());
    }
  }
}
