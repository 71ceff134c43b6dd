package com.doit.idp.server.hostile;

import static com.doit.idp.server.hostile.Catalogue.Listener.PUBLIC;
import static com.doit.idp.server.hostile.Catalogue.get;
import static com.doit.idp.server.hostile.Catalogue.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The public listener (internet, STS) under hostile requests: every way of naming a role that is not an active
 * one, path traversal and encoded slashes, non-ASCII and overlong ids, accounts that are not 12 digits, methods
 * other than GET and HEAD, Host header poisoning, oversized URLs and headers. Unknown, expired and revoked roles
 * must be indistinguishable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicListenerCatalogueTest {
  static final String ACCOUNT = "123456789012";
  static final String DISCOVERY = "/.well-known/openid-configuration";
  static final String JWKS = "/jwks.json";
  IdpUnderTest idp;
  Catalogue catalogue;
  String notFoundBody;

  @BeforeAll
  void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
    idp.createRole(ACCOUNT, "expired", SigningAlgorithm.ES256, Duration.ofMinutes(1));
    idp.createRole(ACCOUNT, "revoked", SigningAlgorithm.ES256);
    idp.revoke(ACCOUNT, "revoked");
    idp.advance(Duration.ofMinutes(2));
    idp.createRole(ACCOUNT, "alice", SigningAlgorithm.RS256);
    notFoundBody = idp.http("public").send(get("/" + ACCOUNT + "/nobody" + JWKS)).body();
    catalogue = build();
  }

  @AfterAll
  void stop() {
    System.out.println("public listener catalogue: " + catalogue.counts());
    idp.close();
  }

  private Catalogue build() {
    Catalogue c = new Catalogue(idp);
    String role = "/" + ACCOUNT + "/alice";
    for (String doc : List.of(DISCOVERY, JWKS)) {
      String ep = "GET|HEAD /<account>/<engineer>" + doc;
      java.util.function.BiConsumer<String, String> nf = (name, target) ->
          c.add(PUBLIC, ep, name, get(target), 404, "not_found", false,
              r -> assertEquals(notFoundBody, r.body(), "every 404 is the same"));
      nf.accept("unknown role", "/" + ACCOUNT + "/nobody" + doc);
      nf.accept("expired role", "/" + ACCOUNT + "/expired" + doc);
      nf.accept("revoked role", "/" + ACCOUNT + "/revoked" + doc);
      nf.accept("active engineer in another account", "/210987654321/alice" + doc);
      nf.accept("account of 11 digits", "/12345678901/alice" + doc);
      nf.accept("account of 13 digits", "/1234567890123/alice" + doc);
      nf.accept("account with letters", "/12345678901a/alice" + doc);
      nf.accept("account with a sign", "/+12345678901/alice" + doc);
      nf.accept("account in full-width digits, encoded", "/%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"
          + "%EF%BC%97%EF%BC%98%EF%BC%99%EF%BC%90%EF%BC%91%EF%BC%92/alice" + doc);
      nf.accept("account empty", "//alice" + doc);
      nf.accept("engineer upper case", "/" + ACCOUNT + "/Alice" + doc);
      nf.accept("engineer of 52 characters", "/" + ACCOUNT + "/" + "a".repeat(52) + doc);
      nf.accept("engineer of 2000 characters", "/" + ACCOUNT + "/" + "a".repeat(2000) + doc);
      nf.accept("engineer non-ASCII, percent-encoded", "/" + ACCOUNT + "/alic%C3%A9" + doc);
      nf.accept("engineer starting with a dot", "/" + ACCOUNT + "/.alice" + doc);
      nf.accept("engineer dot-dot", "/" + ACCOUNT + "/.." + doc);
      nf.accept("traversal after the engineer", role + "/../alice" + doc);
      nf.accept("traversal before the account", "/x/../" + ACCOUNT + "/alice" + doc);
      nf.accept("dot segment", "/" + ACCOUNT + "/./alice" + doc);
      nf.accept("encoded dot-dot", "/" + ACCOUNT + "/%2e%2e/" + ACCOUNT + "/alice" + doc);
      nf.accept("encoded slash between account and engineer", "/" + ACCOUNT + "%2Falice" + doc);
      nf.accept("encoded slash, lower case", "/" + ACCOUNT + "%2falice" + doc);
      nf.accept("double-encoded slash", "/" + ACCOUNT + "%252Falice" + doc);
      nf.accept("encoded backslash", "/" + ACCOUNT + "%5Calice" + doc);
      nf.accept("encoded NUL", role + "%00" + doc);
      nf.accept("overlong UTF-8 slash", "/" + ACCOUNT + "%C0%AFalice" + doc);
      nf.accept("double leading slash", "/" + role + doc);
      nf.accept("trailing slash", role + doc + "/");
      nf.accept("suffix after the document", role + doc + ".bak");
      nf.accept("document name upper case", role + doc.toUpperCase());
      nf.accept("path parameter", role + doc + ";x=1");
      nf.accept("path parameter before the document", role + ";x=1" + doc);
      nf.accept("no engineer", "/" + ACCOUNT + doc);
      c.add(PUBLIC, ep, "raw non-ASCII bytes in the engineer", Catalogue.rawTarget("GET",
          ("/" + ACCOUNT + "/alic\u00e9" + doc).getBytes(StandardCharsets.UTF_8)), 400, "invalid_request");
      c.add(PUBLIC, ep, "raw control byte in the path", Catalogue.rawTarget("GET",
          ("/" + ACCOUNT + "/al\u0001ice" + doc).getBytes(StandardCharsets.ISO_8859_1)), 400, "invalid_request");
      c.add(PUBLIC, ep, "raw backslash traversal", Catalogue.rawTarget("GET",
          ("/" + ACCOUNT + "/x\\..\\alice" + doc).getBytes(StandardCharsets.ISO_8859_1)), 400, "invalid_request");
      for (String m : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO")) {
        c.add(PUBLIC, ep, m + " on an active role", req(m, role + doc), 405, "method_not_allowed", false,
            r -> assertEquals("GET, HEAD", r.header("allow")));
      }
      c.add(PUBLIC, ep, "POST with a body on an active role",
          req("POST", role + doc, Catalogue.headers("Content-Type", "application/json"), "{\"keys\":[]}"), 405,
          "method_not_allowed");
      c.add(PUBLIC, ep, "query string is ignored", get(role + doc + "?issuer=https://evil.example"), 200, null,
          false, r -> assertTrue(!r.body().contains("evil"), r.body()));
      c.add(PUBLIC, ep, "Host header poisoning changes nothing",
          req("GET", role + doc, Catalogue.headers("Host", "evil.example", "X-Forwarded-Host", "evil.example",
              "X-Forwarded-Proto", "http"), ""), 200, null, false,
          r -> assertTrue(!r.body().contains("evil") && !r.body().contains("http:"), r.body()));
      // Undertow 2.4.4 refuses an absolute-form target whose host is not the Host header's before any handler runs
      // (its Host check, no option to turn it off); the refusal gets a JSON body (docs/HTTP-API.md "Errors")
      c.add(PUBLIC, ep, "absolute-form target naming another host",
          req("GET", "http://evil.example" + role + doc), 400, "invalid_request", false,
          r -> assertTrue(r.body().contains("Host header"), r.body()));
      c.add(PUBLIC, ep, "no Host header", ("GET " + role + doc + " HTTP/1.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1), 400, "invalid_request", false,
          r -> assertTrue(r.body().contains("Host header"), r.body()));
      c.add(PUBLIC, ep, "two Host headers", req("GET", role + doc, Catalogue.headers("host", "evil.example"), ""),
          400, "invalid_request", false, r -> assertTrue(r.body().contains("Host header"), r.body()));
      c.add(PUBLIC, ep, "absolute-form target naming the Host header's host",
          req("GET", "http://127.0.0.1" + role + doc), 200, null);
      c.add(PUBLIC, ep, "garbage If-None-Match", req("GET", role + doc,
          Catalogue.headers("If-None-Match", "\"" + "x".repeat(4000) + "\", W/\"y\", *x"), ""), 200, null);
      c.add(PUBLIC, ep, "If-None-Match star", req("GET", role + doc, Catalogue.headers("If-None-Match", "*"), ""),
          304, null);
      c.add(PUBLIC, ep, "URL of 20,000 characters", get(role + doc + "?" + "a".repeat(20_000)), 400,
          "invalid_request");
      c.add(PUBLIC, ep, "one header of 20,000 characters",
          req("GET", role + doc, Catalogue.headers("X-Big", "b".repeat(20_000)), ""), 400, "invalid_request");
      java.util.Map<String, String> many = new java.util.LinkedHashMap<>();
      for (int i = 0; i < 200; i++) many.put("X-H" + i, "v");
      c.add(PUBLIC, ep, "200 headers", req("GET", role + doc, many, ""), 400, "invalid_request");
    }
    String other = "other paths on the public listener";
    for (String p : List.of("/", "/.well-known/openid-configuration", "/jwks.json", "/" + ACCOUNT,
        "/" + ACCOUNT + "/alice", "/" + ACCOUNT + "/alice/", "/" + ACCOUNT + "/alice/.well-known/",
        "/" + ACCOUNT + "/alice/.well-known/openid-configuration/jwks.json", "/token", "/roles", "/healthz",
        "/readyz", "/metrics", "/admin/roles", "/admin/roles/" + ACCOUNT + "/alice", "/favicon.ico",
        "/..%2f..%2fetc%2fpasswd", "/../../etc/passwd", "/%00", "/*")) {
      c.add(PUBLIC, other, "GET " + p, get(p), 404, "not_found");
    }
    c.add(PUBLIC, other, "POST /admin/roles", req("POST", "/admin/roles",
        Catalogue.headers("Authorization", "Bearer " + IdpUnderTest.ADMIN_TOKEN, "Content-Type", "application/json"),
        "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\"}"), 404, "not_found");
    c.add(PUBLIC, other, "POST /token", Catalogue.form("grant_type=x"), 404, "not_found");
    c.add(PUBLIC, other, "OPTIONS *", req("OPTIONS", "*"), 404, "not_found");
    c.add(PUBLIC, other, "CONNECT to another host", req("CONNECT", "evil.example:443"), 400, "invalid_request");
    return c;
  }

  @TestFactory
  Stream<DynamicTest> everyHostileRequestGetsItsExactAnswerAndLeavesTheServerHealthy() {
    return catalogue.testsThenHealth();
  }
}
