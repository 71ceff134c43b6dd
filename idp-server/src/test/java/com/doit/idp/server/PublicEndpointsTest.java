package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The public listener over real HTTP: SPEC.md "Public" and aws-sts-rules.md section 2. */
class PublicEndpointsTest {
  private static final String DISCOVERY = "/123456789012/alice/.well-known/openid-configuration";
  private static final String JWKS = "/123456789012/alice/jwks.json";

  @TempDir Path dir;
  TestServer t;

  @BeforeEach
  void start() {
    t = TestServer.start(dir, Map.of("http.jwks-max-age", "600s"));
    t.createRole("123456789012", "alice");
  }

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void discoveryDocumentIsTheGoldenOneWithCacheHeaders() {
    HttpResponse<String> r = t.get("public", DISCOVERY);
    assertEquals(200, r.statusCode());
    Golden.assertMatches("discovery-rs256.json", r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("public, max-age=600", r.headers().firstValue("Cache-Control").orElseThrow());
    assertTrue(r.headers().firstValue("Pragma").isEmpty());
    String etag = r.headers().firstValue("ETag").orElseThrow();
    assertTrue(etag.matches("\"[A-Za-z0-9_-]{43}\""), "strong ETag: " + etag);
  }

  @Test
  void discoveryJwksUriPointsAtTheJwksOfTheSameIssuer() throws Exception {
    Map<String, Object> d = TestServer.json(t.get("public", DISCOVERY));
    assertEquals(d.get("issuer") + "/jwks.json", d.get("jwks_uri"));
  }

  @Test
  void jwksHoldsTheRolesPublicKeyWithKidUseAndAlgAndNoPrivatePart() throws Exception {
    HttpResponse<String> r = t.get("public", JWKS);
    assertEquals(200, r.statusCode());
    assertEquals("public, max-age=600", r.headers().firstValue("Cache-Control").orElseThrow());
    JWKSet set = JWKSet.parse(r.body());
    assertEquals(1, set.getKeys().size());
    RSAKey k = (RSAKey) set.getKeys().get(0);
    assertFalse(k.isPrivate());
    assertEquals(k.computeThumbprint().toString(), k.getKeyID(), "kid is the RFC 7638 thumbprint");
    Golden.assertMatches("jwks-rs256.json", Map.of("kid", k.getKeyID(), "n", k.getModulus().toString()), r.body());
    String kidInHsm = t.store.list().get(0).kid();
    assertEquals(kidInHsm, k.getKeyID());
  }

  @Test
  void anEs256RoleHasAnEcJwksAndAdvertisesEs256() throws Exception {
    HttpResponse<String> c = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"210987654321\",\"engineer\":\"bob\",\"algorithm\":\"ES256\"}"));
    assertEquals(201, c.statusCode(), c.body());
    HttpResponse<String> r = t.get("public", "/210987654321/bob/jwks.json");
    ECKey k = (ECKey) JWKSet.parse(r.body()).getKeys().get(0);
    Golden.assertMatches("jwks-es256.json",
        Map.of("kid", k.getKeyID(), "x", k.getX().toString(), "y", k.getY().toString()), r.body());
    Map<String, Object> d = TestServer.json(t.get("public", "/210987654321/bob/.well-known/openid-configuration"));
    assertEquals(List.of("ES256"), d.get("id_token_signing_alg_values_supported"));
  }

  @Test
  void aMatchingIfNoneMatchGets304WithTheSameCacheHeadersAndNoBody() {
    String etag = t.get("public", JWKS).headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> r = t.get("public", JWKS, "If-None-Match", etag);
    assertEquals(304, r.statusCode());
    assertEquals("", r.body());
    assertEquals(etag, r.headers().firstValue("ETag").orElseThrow());
    assertEquals("public, max-age=600", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals(304, t.get("public", JWKS, "If-None-Match", "\"other\", W/" + etag).statusCode());
  }

  @Test
  void aStaleIfNoneMatchGetsTheFullDocument() {
    HttpResponse<String> r = t.get("public", JWKS, "If-None-Match", "\"not-the-etag\"");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("\"keys\""));
  }

  @Test
  void headAnswersTheSameHeadersWithoutABody() {
    HttpResponse<String> get = t.get("public", DISCOVERY);
    HttpResponse<String> head = t.send(HttpRequest.newBuilder(t.url("public", DISCOVERY))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    assertEquals(get.headers().firstValue("ETag"), head.headers().firstValue("ETag"));
    assertEquals(get.headers().firstValue("Cache-Control"), head.headers().firstValue("Cache-Control"));
    assertEquals("application/json", head.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(String.valueOf(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
        head.headers().firstValue("Content-Length").orElseThrow());
  }

  @Test
  void theEtagChangesWhenTheRoleRotatesAndBothKeysArePublished() throws Exception {
    HttpResponse<String> before = t.get("public", JWKS);
    HttpResponse<String> rot = t.send(t.admin("POST", "/admin/roles/123456789012/alice/rotate", null));
    assertEquals(200, rot.statusCode(), rot.body());
    HttpResponse<String> after = t.get("public", JWKS);
    assertNotEquals(before.headers().firstValue("ETag"), after.headers().firstValue("ETag"));
    assertEquals(2, JWKSet.parse(after.body()).getKeys().size());
    assertEquals(200, t.get("public", JWKS, "If-None-Match", before.headers().firstValue("ETag").orElseThrow())
        .statusCode());
  }

  private void assertNotFound(HttpResponse<String> r) {
    assertEquals(404, r.statusCode(), r.body());
    Golden.assertMatches("error-not-found.json", r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void anUnknownRoleGetsTheSameNoStore404() {
    assertNotFound(t.get("public", "/123456789012/mallory/jwks.json"));
    assertNotFound(t.get("public", "/999999999999/alice/.well-known/openid-configuration"));
  }

  @Test
  void anExpiredRoleGetsTheSame404() {
    t.clock.advance(Duration.ofHours(24));
    t.server.directory().refresh(); // what the background refresh does every half cache TTL
    assertNotFound(t.get("public", JWKS));
    assertNotFound(t.get("public", DISCOVERY));
  }

  @Test
  void aRevokedRoleGetsTheSame404AtOnce() {
    HttpResponse<String> r = t.send(t.admin("DELETE", "/admin/roles/123456789012/alice", null));
    assertEquals(200, r.statusCode(), r.body());
    assertNotFound(t.get("public", JWKS));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/123456789012/alice/jwks.json/", "/123456789012/alice/", "/123456789012/Alice/jwks.json",
      "/12345678901/alice/jwks.json", "/123456789012/.alice/jwks.json", "//123456789012/alice/jwks.json",
      "/123456789012//alice/jwks.json", "/", "/jwks.json", "/.well-known/openid-configuration",
      "/123456789012/alice/jwks.JSON", "/123456789012/alice/.well-known/openid-configuration/"})
  void malformedPathsGetTheSame404(String path) {
    assertNotFound(t.get("public", path));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/123456789012/x/../alice/jwks.json", "/123456789012/alice/./jwks.json", "/123456789012%2Falice/jwks.json",
      "/123456789012/alice%2Fjwks.json", "/123456789012/%61lice/jwks.json", "/123456789012/alice/jwks%2Ejson",
      "/123456789012/alice/jwks.json%00", "/123456789012/alice/jwks.json;x=1"})
  void traversalAndEncodedPathsGetTheSame404(String target) {
    String raw = RawHttp.get(t.server.address("public"), target);
    assertEquals(404, RawHttp.status(raw), raw);
    Golden.assertMatches("error-not-found.json", RawHttp.body(raw));
    assertTrue(raw.contains("Cache-Control: no-store"), raw);
  }

  @Test
  void anotherMethodOnAKnownPathGets405WithAllow() {
    HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.url("public", JWKS))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    assertEquals(405, r.statusCode());
    assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElseThrow());
    Golden.assertMatches("error-method-not-allowed.json", r.body());
  }

  @Test
  void theTokenAndAdminPathsDoNotExistOnThePublicListener() {
    assertNotFound(t.get("public", "/token"));
    assertNotFound(t.get("public", "/healthz"));
    assertNotFound(t.get("public", "/admin/roles", "Authorization", "Bearer " + TestServer.ADMIN_TOKEN));
  }

  @Test
  void aDirectoryStalerThanTheCacheTtlAnswers503NotAFalse404() {
    t.store.fail(true);
    t.clock.advance(Duration.ofSeconds(31));
    HttpResponse<String> r = t.get("public", JWKS);
    assertEquals(503, r.statusCode());
    Golden.assertMatches("error-hsm-unavailable.json", r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void repeatedRequestsServeTheSameBytes() {
    assertArrayEquals(t.get("public", JWKS).body().getBytes(), t.get("public", JWKS).body().getBytes());
  }

  @Test
  void thePublishedKeyIsTheOneTheHsmSignsWith() throws Exception {
    JWK published = JWKSet.parse(t.get("public", JWKS).body()).getKeys().get(0);
    assertEquals(t.store.list().get(0).publicJwk().toJSONObject(), published.toJSONObject());
  }
}
