package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token listener over real HTTP, with the real token services behind it (a real SSO issuer, the in-memory HSM):
 * what the handlers pass on, what they answer, and the statuses the web layer gives the services' refusals. How a
 * form body is read is {@code web.FormBodyTest}; the decisions themselves are {@code TokenExchangeServiceTest}.
 */
class TokenListenerTest {
  private static final String ACCOUNT = "123456789012";
  private static SsoTestIssuer sso;
  @TempDir Path dir;
  TestServer t;

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
    // the SSO issuer stamps real time into its tokens, so the server's clock starts at real time
    t = TestServer.production(TestServer.config(dir, Map.of("http.max-body", "4KiB", "sso.issuer", sso.issuer().toString(),
        "sso.audiences", SsoTestIssuer.AUDIENCE, "sso.allowed-domains", SsoTestIssuer.DOMAIN,
        "http.rate-limit", "2/m"), true), null, Instant.now());
    t.createRole(ACCOUNT, "alice");
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private HttpResponse<String> post(String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(t.url("token", "/token")).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) b.header("Content-Type", contentType);
    return t.send(b.build());
  }

  private static String form(String ssoToken, String... more) {
    StringBuilder b = new StringBuilder("grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(ssoToken) + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:id_token")
        + "&resource=" + enc("arn:aws:iam::" + ACCOUNT + ":role/DoiT-Support-alice"));
    for (String m : more) b.append('&').append(m);
    return b.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private AuditEvent lastAudit() {
    synchronized (t.audit) {
      return t.audit.get(t.audit.size() - 1);
    }
  }

  @Test
  void aTokenIsAnsweredAsNoStoreJson() {
    HttpResponse<String> r = post("application/x-www-form-urlencoded", form(sso.idToken("alice@doit.com")));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    Map<String, Object> body = TestServer.json(r);
    assertEquals(List.of("access_token", "issued_token_type", "token_type", "expires_in"), List.copyOf(body.keySet()));
    AuditEvent issued = lastAudit();
    assertEquals(AuditEvent.TOKEN_ISSUED, issued.event());
    assertEquals(r.headers().firstValue("X-Request-Id").orElseThrow(), issued.requestId());
    assertEquals("127.0.0.1", issued.remoteAddr());
  }

  @Test
  void theFormReachesTheServiceWithItsRepeatsSoARepeatedResourceIsRefused() {
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        form(sso.idToken("alice@doit.com"), "resource=" + enc("arn:aws:iam::" + ACCOUNT + ":role/DoiT-Support-alice")));
    assertEquals(400, r.statusCode());
    assertEquals(Map.of("error", "invalid_request", "error_description", "resource is repeated"), TestServer.json(r));
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void requestsRefusedBeforeTheFormIsReadAreAuditedLikeEveryOtherRefusal() {
    HttpResponse<String> big = post("application/x-www-form-urlencoded", "a=" + "x".repeat(5000));
    assertEquals(413, big.statusCode());
    assertEquals("body_too_large", lastAudit().reason());
    assertEquals(big.headers().firstValue("X-Request-Id").orElseThrow(), lastAudit().requestId());
    HttpResponse<String> json = post("application/json", "{}");
    assertEquals(400, json.statusCode());
    assertEquals("malformed_body", lastAudit().reason());
    assertEquals(AuditEvent.TOKEN_DENIED, lastAudit().event());
  }

  @Test
  void theServicesRefusalsGetTheirStatusesAndHeadersHere() {
    String alice = sso.idToken("alice@doit.com");
    HttpResponse<String> grant = post("application/x-www-form-urlencoded", form("not-a-jwt"));
    assertEquals(400, grant.statusCode());
    assertEquals("invalid_grant", TestServer.json(grant).get("error"));
    HttpResponse<String> type = post("application/x-www-form-urlencoded", form(alice).replace("grant_type=", "grant_type=x"));
    assertEquals(400, type.statusCode());
    assertEquals("unsupported_grant_type", TestServer.json(type).get("error"));
    HttpResponse<String> target = post("application/x-www-form-urlencoded", form(alice, "audience=elsewhere"));
    assertEquals(400, target.statusCode());
    assertEquals("invalid_target", TestServer.json(target).get("error"));
    // http.rate-limit = 2/m: the audience refusal took the first permit, this token the second; the next permit
    // comes half a minute later, and the clock stands still
    assertEquals(200, post("application/x-www-form-urlencoded", form(alice)).statusCode());
    HttpResponse<String> limited = post("application/x-www-form-urlencoded", form(alice));
    assertEquals(429, limited.statusCode(), limited.body());
    assertEquals("too_many_requests", TestServer.json(limited).get("error"));
    assertEquals("30", limited.headers().firstValue("Retry-After").orElseThrow());
    assertEquals("no-store", limited.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void rolesAnswersTheBearersRolesAsNoStoreJson() {
    HttpResponse<String> r = t.get("token", "/roles", "Authorization", "bearer " + sso.idToken("alice@doit.com"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    List<?> roles = (List<?>) TestServer.json(r).get("roles");
    assertEquals(1, roles.size());
    assertEquals(ACCOUNT, ((Map<?, ?>) roles.get(0)).get("account"));
  }

  @Test
  void rolesWithoutAValidBearerTokenGets401InvalidTokenWithWwwAuthenticate() {
    for (String[] h : new String[][] {{}, {"Authorization", "Basic abc"}, {"Authorization", "Bearer "},
        {"Authorization", "Bearer abc.def.ghi"}}) {
      HttpResponse<String> r = t.get("token", "/roles", h);
      assertEquals(401, r.statusCode());
      assertEquals("invalid_token", TestServer.json(r).get("error"));
      assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    }
  }

  @Test
  void otherMethodsAndPathsGet405And404() {
    HttpResponse<String> r = t.get("token", "/token");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
    HttpResponse<String> n = t.get("token", "/123456789012/alice/jwks.json");
    assertEquals(404, n.statusCode());
    Golden.assertMatches("error-not-found.json", n.body());
  }

  @Test
  void everyResponseCarriesARequestId() {
    HttpResponse<String> a = t.get("token", "/nothing");
    HttpResponse<String> b = t.get("token", "/nothing");
    String ida = a.headers().firstValue("X-Request-Id").orElseThrow();
    assertTrue(ida.matches("[0-9a-f]{24}"));
    assertFalse(ida.equals(b.headers().firstValue("X-Request-Id").orElseThrow()));
  }
}
