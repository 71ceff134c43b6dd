package com.doit.idp.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.server.TestServer;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, as in production: mock-oauth2-server is the company SSO; the real server (real SSO verifier, token
 * exchange, minter) runs on free ports; an engineer posts an SSO ID token to {@code /token}; then the test does
 * what AWS STS does (aws-sts-rules.md sections 2 to 4): reads {@code iss} from the token, fetches the discovery
 * document over HTTP, checks its {@code issuer}, fetches its {@code jwks_uri}, checks the cache headers, picks the
 * key by {@code kid}, and verifies the token with jose4j, a JOSE library independent of the server's nimbus.
 *
 * <p>The issuer is {@code https://oidc.aws-ops.doit-intl.com/...} as in production; the test resolves that host to
 * the public listener, as the TLS front end in front of it does. Subclasses choose the HSM.
 */
abstract class EndToEndContract {
  static final String AUDIENCE = "sts.amazonaws.com";
  static final Pattern SOURCE_IDENTITY = Pattern.compile("[\\w+=,.@-]{2,64}");
  static SsoTestIssuer sso;

  @TempDir Path dir;
  TestServer t;
  String x;
  String y;

  /** The HSM under test; null means the server's in-memory one. */
  abstract RoleKeyStore store();

  abstract String account();

  @BeforeAll
  static void startSso() {
    sso = new SsoTestIssuer();
  }

  @AfterAll
  static void stopSso() {
    sso.close();
  }

  @BeforeEach
  void start() {
    IdpConfig config = TestServer.config(dir, Map.of("sso.issuer", sso.issuer().toString(),
        "sso.audiences", SsoTestIssuer.AUDIENCE, "sso.allowed-domains", SsoTestIssuer.DOMAIN,
        "http.rate-limit", "1000/m"), true);
    // The SSO issuer stamps real time into its tokens, so the server's clock starts at real time.
    t = TestServer.production(config, store(), Instant.now());
    x = account();
    y = account();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  HttpResponse<String> token(String email, String account, String engineerInArn) {
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(sso.idToken(email))
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:id_token")
        + "&resource=" + enc("arn:aws:iam::" + account + ":role/DoiT-Support-" + engineerInArn)
        + "&audience=" + enc(AUDIENCE);
    return t.send(HttpRequest.newBuilder(t.url("token", "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The public listener's answer for a URL under the production issuer host. */
  HttpResponse<String> fetchAsSts(String url) {
    URI u = URI.create(url);
    assertEquals("https", u.getScheme(), "STS fetches over HTTPS only");
    assertEquals(-1, u.getPort(), "no port in a published URL");
    assertEquals(null, u.getQuery());
    return t.send(HttpRequest.newBuilder(t.url("public", u.getRawPath())).GET().build());
  }

  /** What STS does with a token: discovery, JWKS, key by kid, signature and claims. Returns the claims. */
  JwtClaims verifyAsSts(String jwt) throws Exception {
    assertTrue(jwt.length() >= 4 && jwt.length() <= 20000, "token size");
    String[] parts = jwt.split("\\.");
    assertEquals(3, parts.length);
    Map<String, Object> header = JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(parts[0]),
        StandardCharsets.UTF_8));
    Map<String, Object> raw = JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(parts[1]),
        StandardCharsets.UTF_8));
    assertEquals("JWT", header.get("typ"));
    assertTrue(List.of("RS256", "ES256").contains(header.get("alg")));
    String iss = (String) raw.get("iss");

    HttpResponse<String> discovery = fetchAsSts(iss + "/.well-known/openid-configuration");
    assertEquals(200, discovery.statusCode());
    assertCacheable(discovery);
    Map<String, Object> doc = JSONObjectUtils.parse(discovery.body());
    assertEquals(iss, doc.get("issuer"), "the discovery issuer equals the token's iss exactly");
    assertTrue(((List<?>) doc.get("id_token_signing_alg_values_supported")).contains(header.get("alg")));

    HttpResponse<String> jwksResponse = fetchAsSts((String) doc.get("jwks_uri"));
    assertEquals(200, jwksResponse.statusCode());
    assertCacheable(jwksResponse);
    JsonWebKeySet jwks = new JsonWebKeySet(jwksResponse.body());
    for (JsonWebKey k : jwks.getJsonWebKeys()) {
      assertEquals("sig", k.getUse());
      assertTrue(k.getKeyId() != null && k.getAlgorithm() != null, "kid and alg on every JWK");
      assertFalse(jwksResponse.body().contains("\"d\""), "no private member");
    }
    JsonWebKey key = jwks.getJsonWebKeys().stream().filter(k -> k.getKeyId().equals(header.get("kid")))
        .findFirst().orElseThrow(() -> new AssertionError("no JWK with the token's kid"));

    JwtConsumer consumer = new JwtConsumerBuilder()
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
        .setVerificationKey(key.getKey())
        .setExpectedIssuer(true, iss).setExpectedAudience(true, AUDIENCE)
        .setRequireSubject().setRequireIssuedAt().setRequireExpirationTime().setRequireNotBefore().setRequireJwtId()
        .setEvaluationTime(NumericDate.fromMilliseconds(t.clock.millis()))
        .build();
    JwtClaims claims = consumer.processToClaims(jwt);

    assertInstanceOf(String.class, raw.get("aud"), "aud is one string, not an array");
    for (String c : List.of("iat", "nbf", "exp")) assertInstanceOf(Long.class, raw.get(c), c + " whole seconds");
    assertEquals(300L, (Long) raw.get("exp") - (Long) raw.get("iat"), "tokens.lifetime");
    assertTrue(SOURCE_IDENTITY.matcher((String) raw.get("https://aws.amazon.com/source_identity")).matches());
    assertEquals(raw.get("sub"), raw.get("https://aws.amazon.com/source_identity"));
    assertTrue(iss.startsWith("https://oidc.aws-ops.doit-intl.com/"));
    return claims;
  }

  private static void assertCacheable(HttpResponse<String> r) {
    String cc = r.headers().firstValue("Cache-Control").orElseThrow();
    assertTrue(cc.matches("public, max-age=[1-9][0-9]*"), cc);
    assertTrue(r.headers().firstValue("Pragma").isEmpty());
    assertTrue(r.headers().firstValue("ETag").isPresent());
    assertTrue(r.headers().firstValue("Location").isEmpty());
  }

  @Test
  void anEngineersTokenVerifiesAgainstTheRolesPublishedKeysAsStsChecksIt() throws Exception {
    t.createRole(x, "alice");
    HttpResponse<String> r = token("alice@doit.com", x, "alice");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    Map<String, Object> body = TestServer.json(r);
    assertEquals("urn:ietf:params:oauth:token-type:jwt", body.get("issued_token_type"));
    assertEquals("N_A", body.get("token_type"));
    assertEquals(300L, ((Number) body.get("expires_in")).longValue());
    JwtClaims claims = verifyAsSts((String) body.get("access_token"));
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + x + "/alice", claims.getIssuer());
    assertEquals("alice", claims.getSubject());
    assertEquals("alice@doit.com", claims.getClaimValue("email"));
  }

  @Test
  void tokensAreIsolatedAcrossAccountsAndEngineers() throws Exception {
    t.createRole(x, "eve");
    t.createRole(x, "fay");
    t.createRole(y, "eve");
    String xe = (String) TestServer.json(token("eve@doit.com", x, "eve")).get("access_token");
    String xf = (String) TestServer.json(token("fay@doit.com", x, "fay")).get("access_token");
    String ye = (String) TestServer.json(token("eve@doit.com", y, "eve")).get("access_token");
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + x + "/eve", verifyAsSts(xe).getIssuer());
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + x + "/fay", verifyAsSts(xf).getIssuer());
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + y + "/eve", verifyAsSts(ye).getIssuer());

    // Each role has its own key: no token verifies under another role's JWKS.
    Map<String, String> jwksOf = new LinkedHashMap<>();
    jwksOf.put("xe", fetchAsSts("https://oidc.aws-ops.doit-intl.com/" + x + "/eve/jwks.json").body());
    jwksOf.put("xf", fetchAsSts("https://oidc.aws-ops.doit-intl.com/" + x + "/fay/jwks.json").body());
    jwksOf.put("ye", fetchAsSts("https://oidc.aws-ops.doit-intl.com/" + y + "/eve/jwks.json").body());
    Map<String, String> tokens = Map.of("xe", xe, "xf", xf, "ye", ye);
    for (var tok : tokens.entrySet()) {
      for (var jwks : jwksOf.entrySet()) {
        boolean verifies = signatureVerifies(tok.getValue(), jwks.getValue());
        assertEquals(tok.getKey().equals(jwks.getKey()), verifies, tok.getKey() + " under " + jwks.getKey());
      }
    }

    // An engineer never obtains a token for another engineer's role, nor for a role they lack.
    HttpResponse<String> eForF = token("eve@doit.com", x, "fay");
    assertEquals(400, eForF.statusCode());
    assertEquals("invalid_target", TestServer.json(eForF).get("error"));
    HttpResponse<String> fInY = token("fay@doit.com", y, "fay");
    assertEquals(400, fInY.statusCode());
    assertEquals("invalid_target", TestServer.json(fInY).get("error"));
    assertEquals("no-store", fInY.headers().firstValue("Cache-Control").orElseThrow());
  }

  private static boolean signatureVerifies(String jwt, String jwksJson) throws Exception {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setCompactSerialization(jwt);
    for (JsonWebKey k : new JsonWebKeySet(jwksJson).getJsonWebKeys()) {
      jws.setKey(k.getKey());
      if (jws.verifySignature()) return true;
    }
    return false;
  }

  @Test
  void theRoleListNamesTheCallersRolesOnly() throws Exception {
    t.createRole(x, "eve");
    t.createRole(y, "eve");
    t.createRole(x, "fay");
    HttpResponse<String> r = t.get("token", "/roles", "Authorization", "Bearer " + sso.idToken("eve@doit.com"));
    assertEquals(200, r.statusCode(), r.body());
    List<?> roles = (List<?>) TestServer.json(r).get("roles");
    List<String> accounts = roles.stream().map(m -> (String) ((Map<?, ?>) m).get("account")).sorted().toList();
    assertEquals(List.of(x, y).stream().sorted().toList(), accounts);
    HttpResponse<String> bad = t.get("token", "/roles", "Authorization", "Bearer not-a-token");
    assertEquals(401, bad.statusCode());
    assertEquals("Bearer", bad.headers().firstValue("WWW-Authenticate").orElseThrow());
  }

  @Test
  void aRevokedRoleStopsMintingAndPublishingAtOnce() throws Exception {
    t.createRole(x, "alice");
    String before = (String) TestServer.json(token("alice@doit.com", x, "alice")).get("access_token");
    assertEquals(200, t.send(t.admin("DELETE", "/admin/roles/" + x + "/alice", null)).statusCode());
    assertEquals(400, token("alice@doit.com", x, "alice").statusCode());
    assertEquals(404, fetchAsSts("https://oidc.aws-ops.doit-intl.com/" + x + "/alice/jwks.json").statusCode());
    InvalidJwtException e = assertThrows(InvalidJwtException.class, () -> verifyWithoutKey(before));
    assertNotEquals(null, e);
  }

  private void verifyWithoutKey(String jwt) throws Exception {
    // The JWKS is gone: STS cannot find a key, so the token no longer verifies anywhere.
    HttpResponse<String> r = fetchAsSts("https://oidc.aws-ops.doit-intl.com/" + x + "/alice/jwks.json");
    JsonWebKeySet set = r.statusCode() == 200 ? new JsonWebKeySet(r.body()) : new JsonWebKeySet(List.of());
    new JwtConsumerBuilder().setVerificationKeyResolver((jws, ctx) -> {
      for (JsonWebKey k : set.getJsonWebKeys()) return k.getKey();
      throw new org.jose4j.lang.UnresolvableKeyException("no key");
    }).setSkipDefaultAudienceValidation().build().processToClaims(jwt);
  }

  @Test
  void withEmailEngineerIdsOneLocalPartInTwoDomainsIsTwoEngineersEndToEnd() throws Exception {
    t.close();
    IdpConfig config = TestServer.config(dir, Map.of("sso.issuer", sso.issuer().toString(),
        "sso.audiences", SsoTestIssuer.AUDIENCE, "sso.allowed-domains", "doit.com, doit-intl.com",
        "sso.engineer-id", "email", "http.rate-limit", "1000/m"), true);
    t = TestServer.production(config, store(), Instant.now());
    HttpResponse<String> created = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"" + x + "\",\"engineer\":\"bob@doit.com\"}"));
    assertEquals(201, created.statusCode(), created.body());
    Map<String, Object> role = TestServer.json(created);
    assertEquals("DoiT-Support-bob@doit.com", role.get("role_name"));
    assertTrue(created.body().contains("\"oidc.aws-ops.doit-intl.com/" + x + "/bob@doit.com:sub\":\"bob@doit.com\""),
        "the trust policy names the whole address: " + created.body());

    HttpResponse<String> r = token("Bob@DoiT.com", x, "bob@doit.com");
    assertEquals(200, r.statusCode(), r.body());
    JwtClaims claims = verifyAsSts((String) TestServer.json(r).get("access_token"));
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + x + "/bob@doit.com", claims.getIssuer());
    assertEquals("bob@doit.com", claims.getSubject());
    assertEquals("bob@doit.com", claims.getClaimValue("https://aws.amazon.com/source_identity"));

    // the other bob has no role of his own, and cannot take this one
    HttpResponse<String> other = token("bob@doit-intl.com", x, "bob@doit.com");
    assertEquals(400, other.statusCode());
    assertEquals("invalid_target", TestServer.json(other).get("error"));
    assertEquals(400, token("bob@doit-intl.com", x, "bob@doit-intl.com").statusCode());
    HttpResponse<String> show = t.send(t.admin("GET", "/admin/roles/" + x + "/bob@doit.com", null));
    assertEquals(200, show.statusCode(), show.body());
  }

  @Test
  void readinessIsGreenWithTheSsoKeysLoadedAndMetricsCountTokens() {
    assertEquals(200, t.get("management", "/readyz").statusCode());
    t.createRole(x, "alice");
    assertEquals(200, token("alice@doit.com", x, "alice").statusCode());
    assertEquals(400, token("alice@doit.com", x, "bob").statusCode());
    String m = t.get("management", "/metrics").body();
    assertTrue(m.contains("idp_hsm_operation_seconds_count{operation=\"sign\"} 1"), m);
    assertTrue(m.contains("listener=\"token\",status=\"200\""), m);
  }
}
