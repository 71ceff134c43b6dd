package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server replicas sharing one SoftHSM2 token, the second in its own JVM (SPEC.md: the HSM is the only
 * database; "every replica stops minting and publishing for a revoked or expired role within the role-cache
 * TTL"). A role created, rotated and revoked through one replica's admin API, or through keys-admin, is seen by the
 * other within {@code roles.cache-ttl}: each wait is bounded by a few cache TTLs, the contract, not a speed test.
 */
class TwoReplicasTest {
  static final Duration CACHE_TTL = Duration.ofSeconds(2);
  /** A few cache TTLs: the replica must have re-read the HSM by then, on however busy a machine. */
  static final Duration WITHIN = CACHE_TTL.multipliedBy(5);
  static final String REPLICA_ADMIN_TOKEN = "replica-admin-token-fedcba9876543210";

  @TempDir static Path dir;
  private static SsoTestIssuer sso;
  private static LifecycleServer first;
  private static ServerProcess second;
  private static final HttpClient http = LifecycleServer.client();

  @BeforeAll
  static void startBoth() throws Exception {
    sso = SharedSso.get();
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    Map<String, String> extra = Map.of("roles.cache-ttl", CACHE_TTL.toSeconds() + "s");
    first = new LifecycleServer(dir.resolve("first"), hsm, sso, Clock.systemUTC(), extra);
    second = ServerProcess.start("second", dir.resolve("second"), hsm, sso, REPLICA_ADMIN_TOKEN, extra, List.of());
  }

  @AfterAll
  static void stopBoth() throws Exception {
    try {
      if (second != null) stopSecond();
    } finally {
      if (first != null) first.close();
    }
  }

  private static void stopSecond() throws Exception {
    try {
      second.terminate();
      second.awaitExit(Duration.ofSeconds(30));
      second.printOutput();
      assertTrue(second.output().stream().anyMatch(l -> l.contains("IdpServer - stopped")),
          "the second server stopped gracefully on SIGTERM");
    } finally {
      second.close();
    }
  }

  private static URI second(String listener, String path) {
    return second.url(listener, path);
  }

  private static HttpResponse<String> secondJwks(RoleId role) {
    return LifecycleServer.send(http, HttpRequest.newBuilder(
        second("public", "/" + role.account() + "/" + role.engineer() + "/jwks.json")).GET().build());
  }

  private static HttpResponse<String> secondExchange(RoleId role) {
    RoleNames names = first.names;
    return LifecycleServer.exchange(http, second("token", "/token"), names.roleArn(role),
        sso.idToken(role.engineer() + "@" + SsoTestIssuer.DOMAIN));
  }

  private static HttpResponse<String> secondAdmin(String method, String path, String body) {
    return LifecycleServer.send(http, LifecycleServer.adminRequest(second("management", path), method, body,
        "Bearer " + REPLICA_ADMIN_TOKEN));
  }

  private static List<String> kidsOrEmpty(HttpResponse<String> jwks) {
    return jwks.statusCode() == 200 ? LifecycleServer.kids(jwks) : List.of("status " + jwks.statusCode());
  }

  @Test
  void aRoleCreatedRotatedAndRevokedThroughTheFirstServerOrKeysAdminIsSeenByTheSecondWithinTheCacheTtl()
      throws Exception {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "remy");
    assertEquals(404, secondJwks(role).statusCode());

    first.create(role, "1h");
    List<String> created = LifecycleServer.kids(first.jwks(role));
    Poll.until(WITHIN, "the role's JWKS on the second server", () -> kidsOrEmpty(secondJwks(role)),
        created::equals);
    // The second replica mints with the key the first one created, and its own JWKS verifies the token.
    HttpResponse<String> minted = secondExchange(role);
    assertEquals(created.get(0), LifecycleServer.kidOf(minted));
    Sts.verify(LifecycleServer.accessToken(minted), secondJwks(role).body(), first.names.issuer(role), Instant.now());

    // Rotation through keys-admin (neither server's admin API): both replicas publish both kids within the TTL.
    new Operator(first.config, Clock.systemUTC(), "oncall").run("role", "rotate", role.toString()).succeeds();
    List<String> bothKids = Poll.until(WITHIN, "both kids on the first server",
        () -> kidsOrEmpty(first.jwks(role)), k -> k.size() == 2);
    assertTrue(bothKids.containsAll(created));
    Poll.until(WITHIN, "both kids on the second server", () -> kidsOrEmpty(secondJwks(role)), bothKids::equals);

    // Revocation through the first server's admin API: the second stops publishing and minting within the TTL.
    assertEquals(200, first.revoke(role).statusCode());
    assertEquals(404, first.jwks(role).statusCode(), "the replica that revoked serves the change at once");
    Poll.until(WITHIN, "404 on the second server", () -> secondJwks(role).statusCode(), s -> s == 404);
    HttpResponse<String> refused = secondExchange(role);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_target", LifecycleServer.json(refused).get("error"));
    assertEquals(List.of(), first.kidsOnToken(role));
  }

  @Test
  void aRoleCreatedAndRevokedThroughTheSecondServersAdminApiIsSeenByTheFirstWithinTheCacheTtl() {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "rita");
    HttpResponse<String> created = secondAdmin("POST", "/admin/roles",
        "{\"account\":\"" + role.account() + "\",\"engineer\":\"rita\",\"ttl\":\"1h\"}");
    assertEquals(201, created.statusCode(), created.body());
    List<String> kids = LifecycleServer.kids(secondJwks(role));
    Poll.until(WITHIN, "the role on the first server", () -> kidsOrEmpty(first.jwks(role)), kids::equals);
    assertEquals(kids.get(0), LifecycleServer.kidOf(first.exchange(role)));

    HttpResponse<String> rotated = secondAdmin("POST", "/admin/roles/" + role.account() + "/rita/rotate", null);
    assertEquals(200, rotated.statusCode(), rotated.body());
    Poll.until(WITHIN, "both kids on the first server", () -> kidsOrEmpty(first.jwks(role)), k -> k.size() == 2);

    assertEquals(200, secondAdmin("DELETE", "/admin/roles/" + role.account() + "/rita", null).statusCode());
    Poll.until(WITHIN, "404 on the first server", () -> first.jwks(role).statusCode(), s -> s == 404);
    HttpResponse<String> refused = first.exchange(role);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_target", LifecycleServer.json(refused).get("error"));
  }
  @Test
  void aRoleWhoseWindowEndsStopsMintingAndPublishingOnTheOtherReplicaAtItsEnd() throws Exception {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "rhea");
    Instant end = Instant.parse((String) LifecycleServer.json(first.create(role, "12s")).get("expires_at"));
    // The second replica must have read the role before its end, or this test would prove nothing.
    Poll.until(Duration.between(Instant.now(), end.minusSeconds(1)), "the role on the second server before its end",
        () -> secondJwks(role).statusCode(), c -> c == 200);
    assertEquals(200, secondExchange(role).statusCode());
    // Expiry is decided by the clock on every request, not by a refresh: from the end on, 404 and no token.
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), end).toMillis()) + 50);
    HttpResponse<String> gone = secondJwks(role);
    assertEquals(404, gone.statusCode(), gone.body());
    assertEquals("no-store", LifecycleServer.header(gone, "Cache-Control"));
    HttpResponse<String> refused = secondExchange(role);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_target", LifecycleServer.json(refused).get("error"));
    assertEquals(404, first.jwks(role).statusCode());
  }
}
