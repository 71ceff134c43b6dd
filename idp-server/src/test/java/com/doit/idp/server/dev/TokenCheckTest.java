package com.doit.idp.server.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenCheck} against a real HTTP server on a free loopback port that plays the issuer: it serves a
 * discovery document and a JWKS whose status, headers and bodies each test bends one way.
 */
class TokenCheckTest {
  private static final Instant NOW = Instant.parse("2026-11-27T23:00:00Z");
  private static final String ROLE_PATH = "/111122223333/jane";

  private static RSAKey rsa;
  private static ECKey ec;

  /** What the fake issuer answers on one path. */
  private record Answer(int status, Map<String, String> headers, String body) {}

  private HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private String issuer;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private TokenCheck check;

  @BeforeAll
  static void keys() throws Exception {
    rsa = withThumbprintKid(new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate());
    ec = withThumbprintKid(new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate());
  }

  @SuppressWarnings("unchecked")
  private static <K extends JWK> K withThumbprintKid(K key) throws Exception {
    Map<String, Object> json = key.toJSONObject();
    json.put("kid", key.computeThumbprint().toString());
    return (K) JWK.parse(json);
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      Answer a = answers.getOrDefault(exchange.getRequestURI().getPath(),
          new Answer(404, Map.of("Content-Type", "application/json"), "{\"error\":\"not_found\"}"));
      byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
      a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    issuer = "http://127.0.0.1:" + server.getAddress().getPort() + ROLE_PATH;
    serveDiscovery(issuer, "RS256", "ES256");
    serveJwks("public, max-age=300", rsa, ec);
    check = new TokenCheck(Clock.fixed(NOW, ZoneOffset.UTC), new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void serveDiscovery(String documentIssuer, String... algs) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("issuer", documentIssuer);
    doc.put("jwks_uri", issuer + "/jwks.json");
    doc.put("response_types_supported", List.of("id_token"));
    doc.put("subject_types_supported", List.of("public"));
    doc.put("id_token_signing_alg_values_supported", List.of(algs));
    answers.put(ROLE_PATH + "/.well-known/openid-configuration",
        new Answer(200, Map.of("Content-Type", "application/json", "Cache-Control", "public, max-age=300"),
            JSONObjectUtils.toJSONString(doc)));
  }

  private void serveJwks(String cacheControl, JWK... keys) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (cacheControl != null) headers.put("Cache-Control", cacheControl);
    answers.put(ROLE_PATH + "/jwks.json",
        new Answer(200, headers, JSONObjectUtils.toJSONString(new JWKSet(List.of(keys)).toPublicJWKSet().toJSONObject())));
  }

  private Map<String, Object> goodClaims() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("iss", issuer);
    c.put("sub", "jane");
    c.put("aud", "sts.amazonaws.com");
    c.put("iat", NOW.getEpochSecond() - 10);
    c.put("nbf", NOW.getEpochSecond() - 10);
    c.put("exp", NOW.getEpochSecond() + 290);
    c.put("jti", "j-1");
    c.put("email", "jane@example.com");
    c.put(TokenCheck.SOURCE_IDENTITY_CLAIM, "jane");
    return c;
  }

  private static String sign(Map<String, Object> claims, JWK key) throws Exception {
    JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
    JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
    JWSObject jws = new JWSObject(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(),
        new Payload(JSONObjectUtils.toJSONString(claims)));
    jws.sign(signer);
    return jws.serialize();
  }

  private String output() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aWellFormedRs256TokenPassesEveryCheck() throws Exception {
    TokenCheck.Report r = check.check(sign(goodClaims(), rsa));
    assertTrue(r.passed(), output());
    assertTrue(r.okay("signature"), output());
    assertTrue(r.okay("jwks cache-control"), output());
    assertTrue(output().contains("AWS STS would refuse it: it fetches https:// only"), output());
    assertFalse(output().contains("FAIL"), output());
  }

  @Test
  void aWellFormedEs256TokenPassesEveryCheck() throws Exception {
    TokenCheck.Report r = check.check(sign(goodClaims(), ec));
    assertTrue(r.passed(), output());
    assertTrue(r.okay("signature"), output());
  }

  @Test
  void theTokenIsNeverPrinted() throws Exception {
    String token = sign(goodClaims(), rsa);
    check.check(token);
    assertFalse(output().contains(token.substring(token.lastIndexOf('.') + 1)), output());
    assertFalse(output().contains(token.substring(0, token.indexOf('.'))), output());
  }

  @Test
  void anExpiredTokenFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("iat", NOW.getEpochSecond() - 400);
    c.put("nbf", NOW.getEpochSecond() - 400);
    c.put("exp", NOW.getEpochSecond() - 100);
    TokenCheck.Report r = check.check(sign(c, rsa));
    assertFalse(r.passed());
    assertTrue(r.failed("not expired"), output());
    assertTrue(r.okay("signature"), output());
  }

  @Test
  void aTokenNotValidYetFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("nbf", NOW.getEpochSecond() + 60);
    assertTrue(check.check(sign(c, rsa)).failed("nbf reached"), output());
  }

  @Test
  void anAudienceArrayFailsEvenWhenItHoldsSts() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("aud", List.of("sts.amazonaws.com"));
    TokenCheck.Report r = check.check(sign(c, rsa));
    assertTrue(r.failed("aud"), output());
  }

  @Test
  void anotherAudienceFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("aud", "aws-ops-idp-dev");
    assertTrue(check.check(sign(c, rsa)).failed("aud"), output());
  }

  @Test
  void aFractionalExpiryFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("exp", NOW.getEpochSecond() + 290.5);
    TokenCheck.Report r = check.check(sign(c, rsa));
    assertTrue(r.failed("exp"), output());
  }

  @Test
  void anIssuedAtWrittenAsAStringFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("iat", Long.toString(NOW.getEpochSecond()));
    assertTrue(check.check(sign(c, rsa)).failed("iat"), output());
  }

  @Test
  void aLifetimeOverAnHourFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("exp", NOW.getEpochSecond() + 7200);
    assertTrue(check.check(sign(c, rsa)).failed("lifetime"), output());
  }

  @Test
  void aSubjectThatIsNotAnEngineerIdFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("sub", "Jane@Example.com");
    TokenCheck.Report r = check.check(sign(c, rsa));
    assertTrue(r.failed("sub"), output());
    assertTrue(r.failed("iss names the role"), output());
  }

  @Test
  void aMissingSourceIdentityFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.remove(TokenCheck.SOURCE_IDENTITY_CLAIM);
    assertTrue(check.check(sign(c, rsa)).failed("source identity"), output());
  }

  @Test
  void aSourceIdentityOtherThanTheSubjectFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put(TokenCheck.SOURCE_IDENTITY_CLAIM, "john");
    assertTrue(check.check(sign(c, rsa)).failed("source identity"), output());
  }

  @Test
  void aDiscoveryIssuerWithATrailingSlashFails() throws Exception {
    serveDiscovery(issuer + "/", "RS256");
    TokenCheck.Report r = check.check(sign(goodClaims(), rsa));
    assertTrue(r.failed("discovery issuer"), output());
    assertFalse(r.okay("signature"), output());
  }

  @Test
  void aRedirectedDiscoveryDocumentFailsBecauseStsFollowsNoRedirects() throws Exception {
    String path = ROLE_PATH + "/.well-known/openid-configuration";
    answers.put("/moved" + path, answers.get(path));
    answers.put(path, new Answer(302, Map.of("Location", "/moved" + path), ""));
    TokenCheck.Report r = check.check(sign(goodClaims(), rsa));
    assertTrue(r.failed("discovery"), output());
    assertTrue(output().contains("redirect"), output());
  }

  @Test
  void aDiscoveryDocumentThatIsNotFoundFails() throws Exception {
    answers.remove(ROLE_PATH + "/.well-known/openid-configuration");
    assertTrue(check.check(sign(goodClaims(), rsa)).failed("discovery"), output());
  }

  @Test
  void aDiscoveryDocumentThatOmitsTheTokensAlgorithmFails() throws Exception {
    serveDiscovery(issuer, "RS256");
    assertTrue(check.check(sign(goodClaims(), ec)).failed("discovery algorithms"), output());
  }

  @Test
  void aJwksWithNoCacheFails() throws Exception {
    serveJwks("no-cache", rsa);
    TokenCheck.Report r = check.check(sign(goodClaims(), rsa));
    assertTrue(r.failed("jwks cache-control"), output());
  }

  @Test
  void aJwksWithMaxAgeZeroFails() throws Exception {
    serveJwks("public, max-age=0", rsa);
    assertTrue(check.check(sign(goodClaims(), rsa)).failed("jwks cache-control"), output());
  }

  @Test
  void aJwksWithOnlyAnSMaxAgeFails() throws Exception {
    serveJwks("public, s-maxage=300", rsa);
    assertTrue(check.check(sign(goodClaims(), rsa)).failed("jwks cache-control"), output());
  }

  @Test
  void aJwksWithoutCacheControlFails() throws Exception {
    serveJwks(null, rsa);
    assertTrue(check.check(sign(goodClaims(), rsa)).failed("jwks cache-control"), output());
  }

  @Test
  void aTokenWhoseKidIsNotPublishedFails() throws Exception {
    serveJwks("public, max-age=300", ec);
    TokenCheck.Report r = check.check(sign(goodClaims(), rsa));
    assertTrue(r.failed("key by kid"), output());
  }

  @Test
  void aTokenSignedByAnotherKeyUnderThePublishedKidFails() throws Exception {
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(rsa.getKeyID()).generate();
    TokenCheck.Report r = check.check(sign(goodClaims(), impostor));
    assertTrue(r.okay("key by kid"), output());
    assertTrue(r.failed("signature"), output());
  }

  @Test
  void aJwksThatPublishesAPrivateKeyFails() throws Exception {
    answers.put(ROLE_PATH + "/jwks.json", new Answer(200,
        Map.of("Content-Type", "application/json", "Cache-Control", "max-age=300"),
        JSONObjectUtils.toJSONString(new JWKSet(rsa).toJSONObject(false))));
    assertTrue(check.check(sign(goodClaims(), rsa)).failed("jwks keys"), output());
  }

  @Test
  void aPlainHttpIssuerOffLoopbackFailsWithoutAnyFetch() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("iss", "http://idp.example.com" + ROLE_PATH);
    TokenCheck.Report r = check.check(sign(c, rsa));
    assertTrue(r.failed("iss"), output());
    assertEquals(0, requests.get());
  }

  @Test
  void anHttpsIssuerWithAPortFails() throws Exception {
    Map<String, Object> c = goodClaims();
    c.put("iss", "https://idp.example.com:8443" + ROLE_PATH);
    assertTrue(check.check(sign(c, rsa)).failed("iss"), output());
    assertEquals(0, requests.get());
  }

  @Test
  void aTokenWithoutTypJwtOrKidFails() throws Exception {
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).build(),
        new Payload(JSONObjectUtils.toJSONString(goodClaims())));
    jws.sign(new RSASSASigner(rsa));
    TokenCheck.Report r = check.check(jws.serialize());
    assertTrue(r.failed("typ"), output());
    assertTrue(r.failed("kid"), output());
    assertTrue(r.failed("key by kid"), output());
  }

  @Test
  void somethingThatIsNotAJwsFailsWithoutAnyFetch() {
    TokenCheck.Report r = check.check("not-a-token");
    assertTrue(r.failed("format"), output());
    assertFalse(r.passed());
    assertEquals(0, requests.get());
  }
}
