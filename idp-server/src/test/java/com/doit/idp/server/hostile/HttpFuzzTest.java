package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated hostile input against the running server, over real HTTP: form bodies for {@code POST /token} (known
 * and unknown names, repeats, good and garbage values, broken percent-encoding, raw non-ASCII, odd separators,
 * other content types) and request targets for the public listener's path router (traversal, encodings, control
 * and non-ASCII bytes, odd methods). Whatever arrives, the answer is one of the documented statuses with a JSON
 * error, never a 5xx, never an internal name; and no key is ever created.
 *
 * <p>The bounded run (part of every build) sends 1,000 of each. {@code -Didp.fuzz.long=true} adds a run of
 * 50,000 of each.
 */
class HttpFuzzTest {
  static final String ACCOUNT = "123456789012";
  static final Set<Integer> TOKEN_STATUSES = Set.of(200, 400, 413);
  static final Set<String> TOKEN_ERRORS = Set.of("invalid_request", "unsupported_grant_type", "invalid_grant",
      "invalid_target");
  static final Set<Integer> PATH_STATUSES = Set.of(200, 304, 400, 404, 405, 414, 431);
  static final Set<String> PATH_ERRORS = Set.of("not_found", "method_not_allowed");

  static IdpUnderTest idp;
  static final java.util.concurrent.atomic.AtomicInteger issued = new java.util.concurrent.atomic.AtomicInteger();
  static final java.util.concurrent.atomic.AtomicInteger denied = new java.util.concurrent.atomic.AtomicInteger();
  static int auditBefore;
  static String good;
  static String arn;
  static int keys;

  @BeforeContainer
  static void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
    idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
    good = idp.sso().tokenFor("alice");
    arn = idp.roleArn(ACCOUNT, "alice");
    keys = idp.keyCount();
    auditBefore = idp.auditLines().size();
  }

  @AfterContainer
  static void stop() {
    try {
      assertEquals(keys, idp.keyCount(), "fuzzing created or deleted keys");
      // one audit line per token request, whatever it was: token.issued for each 200, token.denied for each refusal
      var lines = idp.auditLines().subList(auditBefore, idp.auditLines().size());
      assertEquals(issued.get(), lines.stream().filter(m -> "token.issued".equals(m.get("event"))).count());
      assertEquals(denied.get(), lines.stream().filter(m -> "token.denied".equals(m.get("event"))).count());
      new Catalogue(idp).assertHealthy();
    } finally {
      idp.close();
    }
  }

  /** Runs only with {@code -Didp.fuzz.long=true}. */
  public static final class LongRunOnly implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return Boolean.getBoolean("idp.fuzz.long") ? SkipResult.doNotSkip()
          : SkipResult.skip("long fuzz run: set -Didp.fuzz.long=true");
    }
  }

  // ---------------------------------------------------------------- POST /token

  @Property(tries = 1000)
  void theTokenEndpointAnswersEveryGeneratedRequestWithADocumentedError(
      @ForAll("forms") String body, @ForAll("contentTypes") String contentType) {
    checkToken(body, contentType);
  }

  @Property(tries = 50_000)
  @AddLifecycleHook(LongRunOnly.class)
  void longRunOfTheTokenEndpoint(@ForAll("forms") String body, @ForAll("contentTypes") String contentType) {
    checkToken(body, contentType);
  }

  private static void checkToken(String body, String contentType) {
    RawHttp.Response r = idp.http("token").send(RawHttp.request("POST", "/token",
        contentType.isEmpty() ? Map.of() : Map.of("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8)));
    String what = "POST /token " + contentType + " [" + abbreviate(body) + "] -> " + r;
    Statistics.label("status").collect(r.status());
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

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(12, Arbitraries.just("application/x-www-form-urlencoded")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("", "application/json", "text/plain",
            "application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded;charset=UTF-8",
            "multipart/form-data; boundary=x", "APPLICATION/X-WWW-FORM-URLENCODED", "application/x-www-form-urlencoded;",
            "application/x-www-form-urlencoded; charset=\"utf-8\"")));
  }

  @Provide
  Arbitrary<String> forms() {
    Arbitrary<String> names = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.of("grant_type", "subject_token", "subject_token_type", "resource",
            "audience", "requested_token_type", "actor_token", "scope")),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().ofMaxLength(12)),
        net.jqwik.api.Tuple.of(1, percentGarbage()));
    Arbitrary<String> values = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Arbitraries.of(IdpUnderTest.GRANT, IdpUnderTest.ID_TOKEN_TYPE,
            "urn:ietf:params:oauth:token-type:jwt", "sts.amazonaws.com", "", "authorization_code")),
        net.jqwik.api.Tuple.of(3, Arbitraries.just("").map(x -> good)),
        net.jqwik.api.Tuple.of(3, Arbitraries.just("").map(x -> arn)),
        net.jqwik.api.Tuple.of(2, Arbitraries.longs().map(seed -> mutate(good, seed))),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().ofMaxLength(40)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(200)),
        net.jqwik.api.Tuple.of(1, percentGarbage()));
    Arbitrary<String> pair = Combinators.combine(names, values, Arbitraries.integers().between(0, 9))
        .as((n, v, how) -> switch (how) {
          case 0 -> n; // a name without '='
          case 1 -> n + "=" + v; // raw, unencoded
          case 2 -> enc(n) + "=" + v + "=" + v; // two '='
          default -> enc(n) + "=" + enc(v);
        });
    Arbitrary<String> separators = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(20, Arbitraries.just("&")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("&&", ";", "&amp;", "\n", "&=&")));
    Arbitrary<String> complete = Arbitraries.just("").map(x -> IdpUnderTest.exchangeForm(good, arn));
    Arbitrary<String> generated = Combinators.combine(pair.list().ofMaxSize(12), separators)
        .as((pairs, sep) -> String.join(sep, pairs));
    // a complete, good request with generated pairs before or after it reaches the deeper decisions
    Arbitrary<String> around = Combinators.combine(complete, generated, Arbitraries.of(true, false))
        .as((c, g, before) -> g.isEmpty() ? c : before ? g + "&" + c : c + "&" + g);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, generated), net.jqwik.api.Tuple.of(4, around),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(300)));
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

  private static Arbitrary<String> percentGarbage() {
    return Arbitraries.strings().withChars("%0123456789abcdefABCDEFzZ+&=").ofMaxLength(12);
  }

  // ---------------------------------------------------------------- the public path router

  @Property(tries = 1000)
  void thePublicRouterAnswersEveryGeneratedTargetWithADocumentedStatus(
      @ForAll("targets") byte[] target, @ForAll("methods") String method) {
    checkPath(target, method);
  }

  @Property(tries = 50_000)
  @AddLifecycleHook(LongRunOnly.class)
  void longRunOfThePublicRouter(@ForAll("targets") byte[] target, @ForAll("methods") String method) {
    checkPath(target, method);
  }

  private static void checkPath(byte[] target, String method) {
    RawHttp.Response r = idp.http("public").send(Catalogue.rawTarget(method, target));
    String what = method + " " + new String(target, StandardCharsets.ISO_8859_1) + " -> " + r;
    Statistics.label("status").collect(r.status());
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

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(10, Arbitraries.just("GET")),
        net.jqwik.api.Tuple.of(2, Arbitraries.just("HEAD")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("POST", "PUT", "DELETE", "OPTIONS", "TRACE", "FOO", "get")));
  }

  @Provide
  Arbitrary<byte[]> targets() {
    Arbitrary<String> segment = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(ACCOUNT, "alice", ".well-known", "openid-configuration",
            "jwks.json")),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("..", ".", "", "%2e%2e", "%2E", "%2F", "%2f", "%5C", "%00", "%252F",
            "%C0%AF", "%E2%80%AE", ";x=1", "*", "~", "alice;", "ALICE", "12345678901", "1234567890123")),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("._-")
            .ofMaxLength(60)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(8).map(HttpFuzzTest::enc)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(8)));
    Arbitrary<String> path = Combinators.combine(segment.list().ofMaxSize(6), Arbitraries.of("/", "//", "", "/./"),
        Arbitraries.of("", "", "", "?", "?a=b", "?a=%zz", "#x", "?" + "q".repeat(100)))
        .as((segs, lead, tail) -> lead + String.join("/", segs) + tail);
    Arbitrary<String> likely = Combinators.combine(Arbitraries.of(ACCOUNT, "12345678901", "1234567890123"),
        Arbitraries.of("alice", "bob", "Alice", "alice.", "a".repeat(51), "a".repeat(52)),
        Arbitraries.of("/.well-known/openid-configuration", "/jwks.json", "/jwks.json/", "/.well-known/",
            "/jwks%2Ejson"))
        .as((a, e, d) -> "/" + a + "/" + e + d);
    Arbitrary<byte[]> ascii = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, path), net.jqwik.api.Tuple.of(2, likely))
        // a request line cannot carry spaces or line breaks: those would be another request, not another target
        .map(s -> s.replace(" ", "%20").replace("\r", "%0D").replace("\n", "%0A").getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> rawBytes = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40)
        .map(b -> {
          byte[] t = new byte[b.length + 1];
          t[0] = '/';
          for (int i = 0; i < b.length; i++) t[i + 1] = (b[i] == ' ' || b[i] == '\r' || b[i] == '\n') ? (byte) 'x' : b[i];
          return t;
        });
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, ascii), net.jqwik.api.Tuple.of(1, rawBytes));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "...(" + s.length() + ")" : s;
  }
}
