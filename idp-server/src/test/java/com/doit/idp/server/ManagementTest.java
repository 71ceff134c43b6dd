package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The management listener over real HTTP: health, readiness, metrics and the admin API (SPEC.md "Management"). */
class ManagementTest {
  @TempDir Path dir;
  TestServer t;

  @BeforeEach
  void start() {
    t = TestServer.start(dir, Map.of());
  }

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void healthzAnswers200WhileServing() {
    HttpResponse<String> r = t.get("management", "/healthz");
    assertEquals(200, r.statusCode());
    assertEquals("{\"status\":\"ok\"}", r.body());
  }

  @Test
  void readyzTurns503WithinOnePingIntervalOfAnHsmLossAndBackAfter() {
    assertEquals(200, t.get("management", "/readyz").statusCode());
    t.store.fail(true);
    t.clock.advance(Duration.ofSeconds(2)); // past the 1 s ping interval (by the injected clock)
    HttpResponse<String> down = t.get("management", "/readyz");
    assertEquals(503, down.statusCode());
    Golden.assertMatches("error-not-ready-hsm.json", down.body());
    t.store.fail(false);
    t.clock.advance(Duration.ofSeconds(2));
    t.server.directory().refresh();
    assertEquals(200, t.get("management", "/readyz").statusCode());
  }

  @Test
  void readyzIs503WhileTheSsoKeysAreNotLoaded() {
    t.close();
    t = TestServer.start(dir, Map.of(), () -> false);
    HttpResponse<String> r = t.get("management", "/readyz");
    assertEquals(503, r.statusCode());
    assertEquals("the SSO signing keys are not loaded", TestServer.json(r).get("error_description"));
  }

  @Test
  void metricsArePrometheusTextWithTheSpecifiedSeries() {
    t.createRole("123456789012", "alice");
    t.get("public", "/123456789012/alice/jwks.json");
    t.get("public", "/123456789012/nobody/jwks.json");
    t.get("management", "/readyz");
    HttpResponse<String> r = t.get("management", "/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    String m = r.body();
    assertTrue(m.contains("idp_roles_active 1.0"), m);
    assertTrue(m.contains("idp_hsm_up 1.0"), m);
    assertTrue(m.contains("idp_http_requests_seconds_count{listener=\"public\",status=\"200\"} 1"), m);
    assertTrue(m.contains("idp_http_requests_seconds_count{listener=\"public\",status=\"404\"} 1"), m);
    assertTrue(m.contains("idp_hsm_operation_seconds_count{operation=\"generate\"} 1"), m);
    assertTrue(m.contains("idp_hsm_operation_seconds_count{operation=\"ping\"}"), m);
  }

  // ---- admin API: authentication

  static Stream<Arguments> adminCalls() {
    return Stream.of(
        Arguments.of("GET", "/admin/roles", null),
        Arguments.of("POST", "/admin/roles", "{\"account\":\"123456789012\",\"engineer\":\"alice\"}"),
        Arguments.of("GET", "/admin/roles/123456789012/alice", null),
        Arguments.of("DELETE", "/admin/roles/123456789012/alice", null),
        Arguments.of("POST", "/admin/roles/123456789012/alice/extend", "{\"ttl\":\"2h\"}"),
        Arguments.of("POST", "/admin/roles/123456789012/alice/rotate", null));
  }

  private HttpRequest call(String method, String path, String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(t.url("management", path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    if (authorization != null) b.header("Authorization", authorization);
    return b.build();
  }

  @ParameterizedTest
  @MethodSource("adminCalls")
  void everyAdminCallWithoutATokenGets401AndChangesNothing(String method, String path, String body) {
    assertUnauthorized(t.send(call(method, path, body, null)));
    assertTrue(t.store.list().isEmpty());
    assertTrue(t.audit.isEmpty());
  }

  @ParameterizedTest
  @MethodSource("adminCalls")
  void everyAdminCallWithAWrongTokenGets401(String method, String path, String body) {
    t.createRole("123456789012", "alice");
    int keys = t.store.list().size();
    for (String auth : List.of("Bearer wrong-token-0123456789abcdef", "Bearer " + TestServer.ADMIN_TOKEN + "x",
        "Bearer " + TestServer.ADMIN_TOKEN.substring(1), "Basic " + TestServer.ADMIN_TOKEN, TestServer.ADMIN_TOKEN,
        "Bearer ")) {
      assertUnauthorized(t.send(call(method, path, body, auth)));
    }
    assertEquals(keys, t.store.list().size());
  }

  private static void assertUnauthorized(HttpResponse<String> r) {
    assertEquals(401, r.statusCode(), r.body());
    Golden.assertMatches("error-unauthorized.json", r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void withoutATokenFileTheAdminApiDoesNotExist() {
    t.close();
    t = new TestServerWithoutAdmin(dir).t;
    for (Arguments a : adminCalls().toList()) {
      Object[] x = a.get();
      HttpResponse<String> r = t.send(call((String) x[0], (String) x[1], (String) x[2],
          "Bearer " + TestServer.ADMIN_TOKEN));
      assertEquals(404, r.statusCode(), x[0] + " " + x[1]);
      Golden.assertMatches("error-not-found.json", r.body());
    }
  }

  // ---- admin API: each call with the right token

  @Test
  void createAnswers201WithTheRoleAsKeysAdminPrintsItAndAudits() {
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"ttl\":\"2h\",\"algorithm\":\"ES256\"}"));
    assertEquals(201, r.statusCode(), r.body());
    Map<String, Object> role = TestServer.json(r);
    assertEquals("123456789012/alice", role.get("role"));
    assertEquals("https://oidc.aws-ops.doit-intl.com/123456789012/alice", role.get("issuer"));
    assertEquals("arn:aws:iam::123456789012:role/DoiT-Support-alice", role.get("role_arn"));
    assertEquals(TestServer.START.plus(Duration.ofHours(2)).toString(), role.get("expires_at"));
    List<?> keys = (List<?>) role.get("keys");
    assertEquals(1, keys.size());
    assertEquals("ES256", ((Map<?, ?>) keys.get(0)).get("algorithm"));
    assertEquals("active", ((Map<?, ?>) keys.get(0)).get("state"));
    assertTrue(role.containsKey("trust_policy"));
    AuditEvent e = t.audit.get(0);
    assertEquals(AuditEvent.ROLE_CREATED, e.event());
    assertEquals("admin-api", e.actor());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void creatingAnExistingRoleGets409() {
    t.createRole("123456789012", "alice");
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\"}"));
    assertEquals(409, r.statusCode());
    assertEquals("conflict", TestServer.json(r).get("error"));
  }

  @Test
  void creatingBeyondRolesMaxActiveGets507() {
    t.close();
    t = TestServer.start(dir, Map.of("roles.max-active", "1"));
    t.createRole("123456789012", "alice");
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"bob\"}"));
    assertEquals(507, r.statusCode());
    assertEquals("insufficient_storage", TestServer.json(r).get("error"));
  }

  @Test
  void aRoleForAnIdNoSsoEmailCanGiveIsRefused() {
    // sso.engineer-id = local-part (the default): an id with '@' is no engineer's
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"bob@doit.com\"}"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("invalid_request", TestServer.json(r).get("error"));
    assertTrue(((String) TestServer.json(r).get("error_description")).contains("sso.engineer-id"), r.body());
    assertTrue(t.store.list().isEmpty());
  }

  @Test
  void badInputGets400InvalidRequest() {
    for (String body : List.of("{\"account\":\"1234\",\"engineer\":\"alice\"}",
        "{\"account\":\"123456789012\",\"engineer\":\"Alice\"}", "{\"account\":\"123456789012\"}",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"ttl\":\"forever\"}",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"ttl\":\"31d\"}",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"algorithm\":\"HS256\"}",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"color\":\"red\"}",
        "{\"account\":123456789012,\"engineer\":\"alice\"}")) {
      HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles", body));
      assertEquals(400, r.statusCode(), body);
      assertEquals("invalid_request", TestServer.json(r).get("error"), body);
    }
    assertTrue(t.store.list().isEmpty());
  }

  @Test
  void malformedJsonGets400() {
    for (String body : List.of("{", "[1,2]", "null", "\"x\"", "{\"a\":}")) {
      HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles", body));
      assertEquals(400, r.statusCode(), body);
      Golden.assertMatches("error-bad-json.json", r.body());
    }
  }

  @Test
  void provisioningIsRefusedUntilItIsConfigured() {
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"provision\":true}"));
    assertEquals(400, r.statusCode());
    Golden.assertMatches("error-no-provisioning.json", r.body());
    assertTrue(t.store.list().isEmpty(), "nothing half-done");
    t.createRole("123456789012", "alice");
    HttpResponse<String> d = t.send(t.admin("DELETE", "/admin/roles/123456789012/alice?deprovision=true", null));
    assertEquals(400, d.statusCode());
    Golden.assertMatches("error-no-provisioning.json", d.body());
    assertEquals(1, t.store.list().size(), "not revoked either");
  }

  @Test
  void listAndShowAnswerTheRoles() {
    t.createRole("123456789012", "alice");
    t.createRole("210987654321", "alice");
    Map<String, Object> list = TestServer.json(t.send(t.admin("GET", "/admin/roles", null)));
    List<?> roles = (List<?>) list.get("roles");
    assertEquals(List.of("123456789012/alice", "210987654321/alice"),
        roles.stream().map(r -> ((Map<?, ?>) r).get("role")).toList());
    HttpResponse<String> show = t.send(t.admin("GET", "/admin/roles/210987654321/alice", null));
    assertEquals(200, show.statusCode());
    assertEquals("210987654321/alice", TestServer.json(show).get("role"));
  }

  @Test
  void showingAnUnknownOrMalformedRoleGets404() {
    assertEquals(404, t.send(t.admin("GET", "/admin/roles/123456789012/nobody", null)).statusCode());
    assertEquals(404, t.send(t.admin("GET", "/admin/roles/1234/alice", null)).statusCode());
    assertEquals(404, t.send(t.admin("DELETE", "/admin/roles/123456789012/nobody", null)).statusCode());
    assertEquals(404, t.send(t.admin("POST", "/admin/roles/123456789012/nobody/rotate", null)).statusCode());
    assertEquals(404, t.send(t.admin("POST", "/admin/roles/123456789012/nobody/extend", "{\"ttl\":\"1h\"}"))
        .statusCode());
  }

  @Test
  void extendMovesTheEndOfTheWindowAndTheDirectorySeesItAtOnce() {
    t.createRole("123456789012", "alice");
    t.clock.advance(Duration.ofHours(23));
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/123456789012/alice/extend", "{\"ttl\":\"48h\"}"));
    assertEquals(200, r.statusCode(), r.body());
    Instant until = TestServer.START.plus(Duration.ofHours(23 + 48));
    assertEquals(until.toString(), TestServer.json(r).get("expires_at"));
    assertEquals(until, t.server.directory().active(TestServer.role("123456789012", "alice")).orElseThrow()
        .expiresAt());
    assertEquals(400, t.send(t.admin("POST", "/admin/roles/123456789012/alice/extend", "{}")).statusCode());
  }

  @Test
  void rotateStartsAStagedRotationAndASecondOneGets409() {
    t.createRole("123456789012", "alice");
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/123456789012/alice/rotate", null));
    assertEquals(200, r.statusCode(), r.body());
    List<?> keys = (List<?>) TestServer.json(r).get("keys");
    assertEquals(List.of("active", "next"), keys.stream().map(k -> ((Map<?, ?>) k).get("state")).toList());
    assertEquals(409, t.send(t.admin("POST", "/admin/roles/123456789012/alice/rotate", null)).statusCode());
  }

  @Test
  void deleteRevokesTheRoleAndAuditsIt() {
    t.createRole("123456789012", "alice");
    HttpResponse<String> r = t.send(t.admin("DELETE", "/admin/roles/123456789012/alice", null));
    assertEquals(200, r.statusCode());
    assertEquals(Map.of("role", "123456789012/alice", "revoked", true), TestServer.json(r));
    assertTrue(t.store.list().isEmpty());
    assertTrue(t.audit.stream().anyMatch(e -> e.event().equals(AuditEvent.ROLE_REVOKED)
        && "admin-api".equals(e.actor())));
    assertFalse(t.server.directory().active(TestServer.role("123456789012", "alice")).isPresent());
  }

  @Test
  void everyAdminActsAuditLineCarriesItsRequestIdAndTheCallersAddress() {
    String role = "/admin/roles/123456789012/alice";
    HttpResponse<String> created = t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"123456789012\",\"engineer\":\"alice\",\"ttl\":\"2h\"}"));
    HttpResponse<String> extended = t.send(t.admin("POST", role + "/extend", "{\"ttl\":\"3h\"}"));
    HttpResponse<String> rotated = t.send(t.admin("POST", role + "/rotate", null));
    HttpResponse<String> revoked = t.send(t.admin("DELETE", role, null));
    Map<String, HttpResponse<String>> byEvent = Map.of(AuditEvent.ROLE_CREATED, created,
        AuditEvent.ROLE_EXTENDED, extended, AuditEvent.ROLE_ROTATED, rotated, AuditEvent.ROLE_REVOKED, revoked,
        AuditEvent.KEY_DELETED, revoked);
    for (HttpResponse<String> r : byEvent.values()) assertEquals(200, r.statusCode() / 100 * 100, r.body());
    List<AuditEvent> lines = List.copyOf(t.audit);
    assertEquals(6, lines.size(), lines.toString()); // created, extended, rotated, two keys deleted, revoked
    for (AuditEvent e : lines) {
      assertEquals("admin-api", e.actor());
      assertEquals(byEvent.get(e.event()).headers().firstValue("X-Request-Id").orElseThrow(), e.requestId(),
          e.event());
      assertEquals("127.0.0.1", e.remoteAddr(), e.event());
    }
  }

  @Test
  void anHsmOutageDuringAnAdminCallGets503Json() {
    t.store.fail(true);
    HttpResponse<String> r = t.send(t.admin("GET", "/admin/roles", null));
    assertEquals(503, r.statusCode());
    Golden.assertMatches("error-hsm-unavailable.json", r.body());
    String m = t.get("management", "/metrics").body();
    assertTrue(m.contains("idp_hsm_failures_total{operation=\"list\"} 1.0"), m);
  }

  @Test
  void wrongMethodsOnManagementPathsGet405() {
    HttpResponse<String> r = t.send(t.admin("PUT", "/admin/roles", "{}"));
    assertEquals(405, r.statusCode());
    assertEquals("GET, POST", r.headers().firstValue("Allow").orElseThrow());
    HttpResponse<String> h = t.send(HttpRequest.newBuilder(t.url("management", "/healthz"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(405, h.statusCode());
    assertEquals("GET", h.headers().firstValue("Allow").orElseThrow());
  }

  /** The same server without admin.token-file. */
  private static final class TestServerWithoutAdmin {
    final TestServer t;

    TestServerWithoutAdmin(Path dir) {
      this.t = TestServer.startWith(TestServer.config(dir, Map.of(), false));
    }
  }
}
