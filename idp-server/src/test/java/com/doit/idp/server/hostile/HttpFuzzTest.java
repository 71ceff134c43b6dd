package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.Generated;
import com.doit.idp.server.Generated.Gen;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Generated hostile input against the running server, over real HTTP: form bodies for {@code POST /token} (known
 * and unknown names, repeats, good and garbage values, broken percent-encoding, raw non-ASCII, odd separators,
 * other content types) and request targets for the public listener's path router (traversal, encodings, control
 * and non-ASCII bytes, odd methods). Whatever arrives, the answer is one of the documented statuses with a JSON
 * error, never a 5xx, never an internal name; and no key is ever created.
 *
 * <p>The bounded run (part of every build) sends 1,000 of each. {@code -Didp.fuzz.long=true} adds a run of
 * 50,000 of each. Inputs come from seeded generators ({@link Generated}): a failure prints the seed, and
 * {@code -Didp.seed=<seed>} replays it.
 */
class HttpFuzzTest {
  static final String ACCOUNT = "123456789012";
  static final Set<Integer> TOKEN_STATUSES = Set.of(200, 400, 413);
  static final Set<String> TOKEN_ERRORS = Set.of("invalid_request", "unsupported_grant_type", "invalid_grant",
      "invalid_target");
  static final Set<Integer> PATH_STATUSES = Set.of(200, 304, 400, 404, 405, 414, 431);
  static final Set<String> PATH_ERRORS = Set.of("not_found", "method_not_allowed");

  static IdpUnderTest idp;
  static final AtomicInteger issued = new AtomicInteger();
  static final AtomicInteger denied = new AtomicInteger();
  static int auditBefore;
  static String good;
  static String arn;
  static int keys;

  @BeforeAll
  static void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
    idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
    good = idp.sso().tokenFor("alice");
    arn = idp.roleArn(ACCOUNT, "alice");
    keys = idp.keyCount();
    auditBefore = idp.auditLines().size();
  }

  @AfterAll
  static void stop() {
    try {
      assertEquals(keys, idp.keyCount(), "fuzzing created or deleted keys");
      // one audit line per token request, whatever it was: token.issued for each 200, token.denied for each refusal
      var lines = idp.auditLines().subList(auditBefore, idp.auditLines().size());
      assertEquals(issued.get(), lines.stream().filter(m -> "token.issued".equals(m.get("event"))).count());
      assertEquals(denied.get(), lines.stream().filter(m -> "token.denied".equals(m.get("event"))).count());
      // the generators reach the deepest decision, minting, and not only the parser's refusals
      if (issued.get() + denied.get() >= 1000) assertTrue(issued.get() > 0, "no generated request got a token");
      new Catalogue(idp).assertHealthy();
    } finally {
      idp.close();
    }
  }

  // ---------------------------------------------------------------- POST /token

  /** A form body and its content type. */
  record TokenRequest(String body, String contentType) {
    @Override
    public String toString() {
      return contentType + " [" + body + "]";
    }
  }

  @Test
  void theTokenEndpointAnswersEveryGeneratedRequestWithADocumentedError() {
    Generated.forAll("POST /token", 1000, tokenRequests(), HttpFuzzTest::checkToken);
  }

  @Test
  @EnabledIfSystemProperty(named = Generated.LONG_RUN_PROPERTY, matches = "true")
  void longRunOfTheTokenEndpoint() {
    Generated.forAll("POST /token (long run)", 50_000, tokenRequests(), HttpFuzzTest::checkToken);
  }

  private static void checkToken(TokenRequest request) {
    String body = request.body();
    String contentType = request.contentType();
    RawHttp.Response r = idp.http("token").send(RawHttp.request("POST", "/token",
        contentType.isEmpty() ? Map.of() : Map.of("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8)));
    String what = "POST /token " + contentType + " [" + abbreviate(body) + "] -> " + r;
    assertTrue(TOKEN_STATUSES.contains(r.status()), what);
    Catalogue.assertNoLeak(r, what);
    Map<String, Object> json = Catalogue.json(r, what);
    assertEquals("no-store", r.header("cache-control"), what);
    if (r.status() != 200) {
      denied.incrementAndGet();
      assertTrue(TOKEN_ERRORS.contains(json.get("error")), what);
    } else {
      issued.incrementAndGet();
      assertTrue(json.get("access_token") instanceof String, what);
    }
  }

  static Gen<TokenRequest> tokenRequests() {
    Gen<String> forms = forms();
    Gen<String> contentTypes = contentTypes();
    return r -> new TokenRequest(forms.apply(r), contentTypes.apply(r));
  }

  static Gen<String> contentTypes() {
    return Generated.weighted(
        12, Generated.just("application/x-www-form-urlencoded"),
        1, Generated.oneOf("", "application/json", "text/plain",
            "application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded;charset=UTF-8",
            "multipart/form-data; boundary=x", "APPLICATION/X-WWW-FORM-URLENCODED", "application/x-www-form-urlencoded;",
            "application/x-www-form-urlencoded; charset=\"utf-8\""));
  }

  static Gen<String> forms() {
    Gen<String> names = Generated.weighted(
        8, Generated.oneOf("grant_type", "subject_token", "subject_token_type", "resource",
            "audience", "requested_token_type", "actor_token", "scope"),
        2, Generated.anyString(12),
        1, percentGarbage());
    Gen<String> values = Generated.weighted(
        4, Generated.oneOf(IdpUnderTest.GRANT, IdpUnderTest.ID_TOKEN_TYPE,
            "urn:ietf:params:oauth:token-type:jwt", "sts.amazonaws.com", "", "authorization_code"),
        3, (Gen<String>) r -> good,
        3, (Gen<String>) r -> arn,
        2, (Gen<String>) r -> mutate(good, r.nextLong()),
        2, Generated.anyString(40),
        1, Generated.anyString(200),
        1, percentGarbage());
    Gen<String> pair = r -> {
      String n = names.apply(r);
      String v = values.apply(r);
      return switch (r.nextInt(10)) {
        case 0 -> n; // a name without '='
        case 1 -> n + "=" + v; // raw, unencoded
        case 2 -> enc(n) + "=" + v + "=" + v; // two '='
        default -> enc(n) + "=" + enc(v);
      };
    };
    Gen<String> separators = Generated.weighted(20, Generated.just("&"),
        1, Generated.oneOf("&&", ";", "&amp;", "\n", "&=&"));
    Gen<List<String>> pairs = Generated.listOf(pair, 12);
    Gen<String> generated = r -> {
      List<String> l = pairs.apply(r);
      return String.join(separators.apply(r), l);
    };
    // a complete, good request with generated pairs before or after it reaches the deeper decisions
    Gen<String> around = r -> {
      String c = IdpUnderTest.exchangeForm(good, arn);
      String g = generated.apply(r);
      return g.isEmpty() ? c : r.nextBoolean() ? g + "&" + c : c + "&" + g;
    };
    return Generated.weighted(5, generated, 4, around, 1, Generated.anyString(300));
  }

  /** A good SSO token with a few characters changed, removed or added. */
  private static String mutate(String token, long seed) {
    java.util.Random random = new java.util.Random(seed);
    StringBuilder b = new StringBuilder(token);
    for (int i = 0, n = 1 + random.nextInt(3); i < n && b.length() > 1; i++) {
      int at = random.nextInt(b.length());
      switch (random.nextInt(3)) {
        case 0 -> b.setCharAt(at, "AQgw._-=+/".charAt(random.nextInt(10)));
        case 1 -> b.deleteCharAt(at);
        default -> b.insert(at, ".");
      }
    }
    return b.toString();
  }

  private static Gen<String> percentGarbage() {
    return Generated.stringOf("%0123456789abcdefABCDEFzZ+&=", 12);
  }

  // ---------------------------------------------------------------- the public path router

  /** A request target and its method. */
  record PathRequest(byte[] target, String method) {
    @Override
    public String toString() {
      return method + " " + new String(target, StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void thePublicRouterAnswersEveryGeneratedTargetWithADocumentedStatus() {
    Generated.forAll("public router", 1000, pathRequests(), HttpFuzzTest::checkPath);
  }

  @Test
  @EnabledIfSystemProperty(named = Generated.LONG_RUN_PROPERTY, matches = "true")
  void longRunOfThePublicRouter() {
    Generated.forAll("public router (long run)", 50_000, pathRequests(), HttpFuzzTest::checkPath);
  }

  private static void checkPath(PathRequest request) {
    byte[] target = request.target();
    String method = request.method();
    RawHttp.Response r = idp.http("public").send(Catalogue.rawTarget(method, target));
    String what = method + " " + new String(target, StandardCharsets.ISO_8859_1) + " -> " + r;
    assertTrue(PATH_STATUSES.contains(r.status()), what);
    Catalogue.assertNoLeak(r, what);
    if ((r.status() == 404 || r.status() == 405) && !method.equals("HEAD")) {
      assertTrue(PATH_ERRORS.contains(Catalogue.json(r, what).get("error")), what);
      assertEquals("no-store", r.header("cache-control"), what);
    }
    if (r.status() == 200 && !method.equals("HEAD")) {
      String body = r.body();
      assertTrue(body.contains("\"keys\"") || body.contains("\"issuer\""), what);
    }
  }

  static Gen<PathRequest> pathRequests() {
    Gen<byte[]> targets = targets();
    Gen<String> methods = methods();
    return r -> new PathRequest(targets.apply(r), methods.apply(r));
  }

  static Gen<String> methods() {
    return Generated.weighted(10, Generated.just("GET"),
        2, Generated.just("HEAD"),
        1, Generated.oneOf("POST", "PUT", "DELETE", "OPTIONS", "TRACE", "FOO", "get"));
  }

  static Gen<byte[]> targets() {
    Gen<String> segment = Generated.weighted(
        6, Generated.oneOf(ACCOUNT, "alice", ".well-known", "openid-configuration", "jwks.json"),
        2, Generated.oneOf("..", ".", "", "%2e%2e", "%2E", "%2F", "%2f", "%5C", "%00", "%252F",
            "%C0%AF", "%E2%80%AE", ";x=1", "*", "~", "alice;", "ALICE", "12345678901", "1234567890123"),
        2, Generated.stringOf("abcdefghijklmnopqrstuvwxyz0123456789._-", 60),
        1, Generated.anyString(8).map(HttpFuzzTest::enc),
        1, Generated.ascii(8));
    Gen<List<String>> segments = Generated.listOf(segment, 6);
    Gen<String> leads = Generated.oneOf("/", "//", "", "/./");
    Gen<String> tails = Generated.oneOf("", "", "", "?", "?a=b", "?a=%zz", "#x", "?" + "q".repeat(100));
    Gen<String> path = r -> leads.apply(r) + String.join("/", segments.apply(r)) + tails.apply(r);
    Gen<String> accounts = Generated.oneOf(ACCOUNT, "12345678901", "1234567890123");
    Gen<String> engineers = Generated.oneOf("alice", "bob", "Alice", "alice.", "a".repeat(51), "a".repeat(52));
    Gen<String> documents = Generated.oneOf("/.well-known/openid-configuration", "/jwks.json", "/jwks.json/",
        "/.well-known/", "/jwks%2Ejson");
    Gen<String> likely = r -> "/" + accounts.apply(r) + "/" + engineers.apply(r) + documents.apply(r);
    Gen<byte[]> ascii = Generated.<String>weighted(3, path, 2, likely).map(s -> s
        // a request line cannot carry spaces or line breaks: those would be another request, not another target
        .replace(" ", "%20").replace("\r", "%0D").replace("\n", "%0A").getBytes(StandardCharsets.UTF_8));
    Gen<byte[]> rawBytes = Generated.bytes(1, 40).map(b -> {
      byte[] t = new byte[b.length + 1];
      t[0] = '/';
      for (int i = 0; i < b.length; i++) t[i + 1] = (b[i] == ' ' || b[i] == '\r' || b[i] == '\n') ? (byte) 'x' : b[i];
      return t;
    });
    return Generated.weighted(9, ascii, 1, rawBytes);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "...(" + s.length() + ")" : s;
  }
}
