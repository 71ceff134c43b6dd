package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * A catalogue of bad requests and the exact answer each must get, with the checks every hostile request must pass
 * whatever it is: the exact status and JSON {@code error}; never a 5xx it was not meant to get; no stack trace,
 * exception class or internal package name in the body; {@code Cache-Control: no-store} on every error; no key
 * created or deleted in the HSM; one {@code token.denied} audit line (with the request's id) for every refused
 * token request; and the server still healthy afterwards. Each case becomes one dynamic test named
 * {@code <endpoint>: <case>}. Not thread-safe.
 */
public final class Catalogue {
  /** Strings that betray internals in a response body. */
  private static final List<String> LEAKS = List.of("exception", "\tat ", "at com.", "at java.", "java.", "javax.",
      "io.undertow", "org.xnio", "com.nimbusds", "com.doit", "caused by", "stacktrace", "nullpointer",
      "illegalstate", "illegalargument", "hsmexception", "pkcs11", "ckr_");
  private static final Set<String> ERROR_MEMBERS = Set.of("error", "error_description", "request_id");

  /** Which listener a case is sent to. */
  public enum Listener { PUBLIC, TOKEN, MANAGEMENT }

  /**
   * One hostile request and its expected answer.
   *
   * @param endpoint how the report groups it, e.g. {@code POST /token}
   * @param error the JSON {@code error} expected; null for a success, {@link #NO_BODY} for an answer that has no body
   *     by HTTP (to a {@code HEAD}). The HTTP parser's own refusals are JSON too ({@code invalid_request})
   * @param auditDenied whether one {@code token.denied} audit line must be written for it
   * @param more extra checks on the response (headers such as {@code Allow} or {@code Retry-After})
   */
  public record Case(Listener listener, String endpoint, String name, byte[] request, int status, String error,
      boolean auditDenied, Consumer<RawHttp.Response> more) {}

  public static final String NO_BODY = "<no body>";

  private final IdpUnderTest idp;
  private final List<Case> cases = new ArrayList<>();

  public Catalogue(IdpUnderTest idp) {
    this.idp = idp;
  }

  public Catalogue add(Listener l, String endpoint, String name, byte[] request, int status, String error) {
    return add(l, endpoint, name, request, status, error, false, r -> {});
  }

  public Catalogue add(Listener l, String endpoint, String name, byte[] request, int status, String error,
      boolean auditDenied, Consumer<RawHttp.Response> more) {
    cases.add(new Case(l, endpoint, name, request, status, error, auditDenied, more));
    return this;
  }

  public List<Case> cases() {
    return List.copyOf(cases);
  }

  /** How many cases per endpoint (for the report). */
  public Map<String, Integer> counts() {
    Map<String, Integer> m = new TreeMap<>();
    for (Case c : cases) m.merge(c.endpoint(), 1, Integer::sum);
    return m;
  }

  public Stream<DynamicTest> tests() {
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.endpoint() + ": " + c.name(), () -> run(c)));
  }

  private RawHttp http(Listener l) {
    return idp.http(l.name().toLowerCase(Locale.ROOT));
  }

  /** Sends the case and checks everything a hostile request must leave true. */
  public void run(Case c) {
    int keysBefore = idp.keyCount();
    int auditBefore = idp.auditLines().size();
    RawHttp.Response r = http(c.listener()).send(c.request());
    check(c, r);
    assertEquals(keysBefore, idp.keyCount(), "a refused request changed the keys in the HSM");
    List<Map<String, Object>> audit = idp.auditLines();
    List<Map<String, Object>> added = audit.subList(auditBefore, audit.size());
    if (c.auditDenied()) {
      String rid = r.header("x-request-id");
      assertNotNull(rid, "no X-Request-Id on " + r);
      List<Map<String, Object>> mine = added.stream().filter(m -> rid.equals(m.get("request_id"))).toList();
      assertEquals(1, mine.size(), "one audit line for the denied token request, got " + added);
      assertEquals("token.denied", mine.get(0).get("event"), mine.get(0).toString());
      assertNotNull(mine.get(0).get("reason"), mine.get(0).toString());
      String line = mine.get(0).toString();
      assertFalse(line.contains("eyJ"), "a token leaked into the audit log: " + line);
    } else if (c.status() >= 400) {
      assertTrue(added.stream().noneMatch(m -> "token.issued".equals(m.get("event"))), added.toString());
    }
    assertListenerServes(c.listener());
  }

  /** The checks on one response; public so other suites (fuzz, floods) apply the same ones. */
  public static void check(Case c, RawHttp.Response r) {
    String what = c.endpoint() + ": " + c.name() + " -> " + r;
    if (r.status() == -1) fail("the server closed the connection without an answer: " + what);
    assertEquals(c.status(), r.status(), what);
    if (c.status() < 500) assertTrue(r.status() < 500, what);
    assertNoLeak(r, what);
    if (c.error() == null) {
      c.more().accept(r);
      return;
    }
    if (c.error().equals(NO_BODY)) {
      assertTrue(r.body().isEmpty(), what);
      c.more().accept(r);
      return;
    }
    Map<String, Object> body = json(r, what);
    assertEquals(c.error(), body.get("error"), what);
    assertTrue(ERROR_MEMBERS.containsAll(body.keySet()), "error body members: " + body.keySet() + " " + what);
    String ct = r.header("content-type");
    assertNotNull(ct, what);
    assertTrue(ct.startsWith("application/json"), what);
    String cc = r.header("cache-control");
    assertNotNull(cc, "no Cache-Control on an error: " + what);
    assertTrue(cc.contains("no-store"), what);
    c.more().accept(r);
  }

  /** No stack trace, exception class or internal package name anywhere in the answer. */
  public static void assertNoLeak(RawHttp.Response r, String what) {
    // A minted token is random base64url: it may spell "ckr_" or "java." by chance, so it is not searched.
    String body = r.body().replaceAll("\"access_token\"\\s*:\\s*\"[A-Za-z0-9_.-]*\"", "\"access_token\":\"\"")
        .toLowerCase(Locale.ROOT);
    for (String leak : LEAKS) assertFalse(body.contains(leak), "'" + leak + "' in the body: " + what);
    for (var h : r.headers().entrySet()) {
      for (String v : h.getValue()) {
        String lv = v.toLowerCase(Locale.ROOT);
        assertFalse(lv.contains("exception") || lv.contains("\tat "), "header " + h.getKey() + ": " + what);
      }
    }
  }

  public static Map<String, Object> json(RawHttp.Response r, String what) {
    try {
      return JSONObjectUtils.parse(r.body());
    } catch (ParseException e) {
      throw new AssertionError("not a JSON object: " + what);
    }
  }

  /** The listener a case hit still answers (a cheap 404 or health probe). */
  public void assertListenerServes(Listener l) {
    String path = l == Listener.MANAGEMENT ? "/healthz" : "/";
    RawHttp.Response r = http(l).send(RawHttp.request("GET", path, Map.of(), new byte[0]));
    assertEquals(l == Listener.MANAGEMENT ? 200 : 404, r.status(), l + " listener after the case: " + r);
  }

  /** Every case, then one last check that all three listeners serve. */
  public Stream<DynamicTest> testsThenHealth() {
    return Stream.concat(tests(), Stream.of(DynamicTest.dynamicTest("all listeners healthy afterwards",
        this::assertHealthy)));
  }

  /** The server still serves: health on the management listener and a 404 on the others. */
  public void assertHealthy() {
    RawHttp.Response h = idp.http("management").send(RawHttp.request("GET", "/healthz", Map.of(), new byte[0]));
    assertEquals(200, h.status(), "management /healthz after the case: " + h);
    RawHttp.Response p = idp.http("public").send(RawHttp.request("GET", "/", Map.of(), new byte[0]));
    assertEquals(404, p.status(), "public listener after the case: " + p);
    RawHttp.Response t = idp.http("token").send(RawHttp.request("GET", "/", Map.of(), new byte[0]));
    assertEquals(404, t.status(), "token listener after the case: " + t);
  }

  // ---------------------------------------------------------------- request builders

  public static byte[] get(String target) {
    return RawHttp.request("GET", target, Map.of(), new byte[0]);
  }

  public static byte[] req(String method, String target) {
    return RawHttp.request(method, target, Map.of(), new byte[0]);
  }

  public static byte[] req(String method, String target, Map<String, String> headers, String body) {
    return RawHttp.request(method, target, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] form(String body) {
    return RawHttp.request("POST", "/token", Map.of("Content-Type", "application/x-www-form-urlencoded"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  public static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  /** A raw request with the given bytes as its target: for non-ASCII and control bytes no client would send. */
  public static byte[] rawTarget(String method, byte[] target) {
    byte[] a = (method + " ").getBytes(StandardCharsets.ISO_8859_1);
    byte[] b = " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[a.length + target.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(target, 0, all, a.length, target.length);
    System.arraycopy(b, 0, all, a.length + target.length, b.length);
    return all;
  }
}
