package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleService;
import com.doit.idp.server.MutableClock;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The grant window, its extension, garbage collection and {@code roles.max-active} at a running server on a real
 * SoftHSM2 token, each at its boundary, with the server's clock moved by hand (SPEC.md "Key rotation and
 * revocation", "Management"). After the window: no minting, and the public documents answer the same 404 as an
 * unknown role, with {@code no-store} so no cache keeps the answer past an extension.
 */
class ExpiryExtendGcCapacityTest {
  private final SsoTestIssuer sso = SharedSso.get();
  @TempDir Path dir;
  private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final MutableClock clock = new MutableClock(t0);

  private LifecycleServer server(Map<String, String> extra, Duration gcEvery) {
    return new LifecycleServer(dir, SoftHsmToken.shared(), sso, clock, extra, Pkcs11RoleKeyStore::new, gcEvery);
  }

  /** Moves the clock to {@code at} and re-reads the HSM as the background refresh would have by then. */
  private void at(LifecycleServer s, Instant at) {
    clock.advance(Duration.between(clock.instant(), at));
    s.server.directory().refresh();
  }

  private static Instant expiresAt(HttpResponse<String> roleAnswer) {
    return Instant.parse((String) LifecycleServer.json(roleAnswer).get("expires_at"));
  }

  private static void assertServing(LifecycleServer s, RoleId role) {
    HttpResponse<String> jwks = s.jwks(role);
    assertEquals(200, jwks.statusCode(), jwks.body());
    assertTrue(LifecycleServer.header(jwks, "Cache-Control").startsWith("public, max-age="));
    assertEquals(200, s.discovery(role).statusCode());
    assertEquals(200, s.exchange(role).statusCode());
  }

  /** The same 404 as a role that never existed, with no-store; and no token. */
  private static void assertGone(LifecycleServer s, RoleId role) {
    HttpResponse<String> unknown = s.jwks(new RoleId(SoftHsmToken.uniqueAccount(), role.engineer()));
    for (HttpResponse<String> r : List.of(s.jwks(role), s.discovery(role))) {
      assertEquals(404, r.statusCode(), r.body());
      assertEquals("no-store", LifecycleServer.header(r, "Cache-Control"));
      assertEquals(unknown.body(), r.body());
    }
    HttpResponse<String> token = s.exchange(role);
    assertEquals(400, token.statusCode(), token.body());
    assertEquals("invalid_target", LifecycleServer.json(token).get("error"));
    assertEquals("no-store", LifecycleServer.header(token, "Cache-Control"));
  }

  @Test
  void aRoleMintsAndPublishesOneSecondBeforeItsEndAndFromItsEndGets404NoStoreThenTheSweepDeletesItsKeys() {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "evan");
    try (LifecycleServer s = server(Map.of(), Duration.ofMillis(300))) {
      Instant end = expiresAt(s.create(role, "1h"));
      assertEquals(t0.plus(Duration.ofHours(1)), end);
      at(s, end.minusSeconds(1));
      assertServing(s, role);
      List<String> keys = s.kidsOnToken(role);
      assertEquals(1, keys.size());

      at(s, end);
      assertGone(s, role);
      assertEquals(404, s.extend(role, "1h").statusCode(), "an expired role cannot be extended: create it again");
      Poll.until(Duration.ofSeconds(10), "the expired role's keys deleted by the server's sweep",
          () -> s.kidsOnToken(role), List::isEmpty);
      // The sweep deletes the keys, then writes role.expired: wait for the line rather than race it.
      List<Map<String, Object>> lines = Poll.until(Duration.ofSeconds(10), "role.expired in the audit log",
          () -> s.audit(role), l -> l.stream().anyMatch(e -> AuditEvent.ROLE_EXPIRED.equals(e.get("event"))));
      assertTrue(lines.stream().anyMatch(l -> AuditEvent.ROLE_EXPIRED.equals(l.get("event"))
          && "server".equals(l.get("actor")) && end.toString().equals(l.get("ts"))), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> AuditEvent.KEY_DELETED.equals(l.get("event"))
          && keys.get(0).equals(l.get("kid"))), lines.toString());
      assertGone(s, role);
    }
  }

  @Test
  void extendMovesTheEndOfTheWindowToTtlFromNow() {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "erin");
    try (LifecycleServer s = server(Map.of(), Duration.ofMillis(300))) {
      Instant firstEnd = expiresAt(s.create(role, "1h"));
      at(s, t0.plus(Duration.ofMinutes(30)));
      HttpResponse<String> extended = s.extend(role, "2h");
      assertEquals(200, extended.statusCode(), extended.body());
      Instant end = expiresAt(extended);
      assertEquals(clock.instant().plus(Duration.ofHours(2)), end);

      at(s, firstEnd);
      assertServing(s, role);
      at(s, end.minusSeconds(1));
      assertServing(s, role);
      at(s, end);
      assertGone(s, role);
    }
  }

  @Test
  void keysAdminGcDryRunDeletesNothingAndGcDeletesExpiredRolesAndRetiredKeysFromTheToken() {
    RoleId expiring = new RoleId(SoftHsmToken.uniqueAccount(), "gina");
    RoleId rotating = new RoleId(SoftHsmToken.uniqueAccount(), "gus");
    // The server's own sweep is kept out of the way (hourly) so that keys-admin's gc is what is observed.
    try (LifecycleServer s = server(Map.of("http.jwks-max-age", "300s", "tokens.lifetime", "300s"),
        Duration.ofHours(1))) {
      Operator keysAdmin = new Operator(s.config, clock, "oncall");
      s.create(expiring, "1h");
      s.create(rotating, "24h");
      String oldKid = LifecycleServer.kids(s.jwks(rotating)).get(0);
      assertEquals(200, s.rotate(rotating).statusCode());
      List<String> rotatingKeys = s.kidsOnToken(rotating);
      String newKid = rotatingKeys.stream().filter(k -> !k.equals(oldKid)).findFirst().orElseThrow();
      List<String> expiringKeys = s.kidsOnToken(expiring);

      // One second before the old key retires (rotation + max-age + lifetime + max-age) gc has nothing to do.
      at(s, t0.plusSeconds(899));
      keysAdmin.run("gc").succeeds();
      assertEquals(rotatingKeys, s.kidsOnToken(rotating));
      assertEquals(expiringKeys, s.kidsOnToken(expiring));

      at(s, t0.plus(Duration.ofHours(1)));
      Operator.Run dry = keysAdmin.run("gc", "--dry-run").succeeds();
      assertTrue(dry.out().contains("would delete"), dry.out());
      assertEquals(rotatingKeys, s.kidsOnToken(rotating), "a dry run deletes nothing");
      assertEquals(expiringKeys, s.kidsOnToken(expiring), "a dry run deletes nothing");

      keysAdmin.run("gc").succeeds();
      assertEquals(List.of(), s.kidsOnToken(expiring));
      assertEquals(List.of(newKid), s.kidsOnToken(rotating));
      // The server keeps serving the surviving key; it reads the HSM again within roles.cache-ttl.
      s.server.directory().refresh();
      assertEquals(List.of(newKid), LifecycleServer.kids(s.jwks(rotating)));
      assertEquals(newKid, LifecycleServer.kidOf(s.exchange(rotating)));
      assertGone(s, expiring);
      assertTrue(s.audit(expiring).stream().anyMatch(l -> AuditEvent.ROLE_EXPIRED.equals(l.get("event"))
          && "keys-admin:oncall".equals(l.get("actor"))));
    }
  }

  @Test
  void maxActiveRefusesTheRoleBeyondItWith507UntilOneIsRevokedOrExpired() {
    // The token is shared with other tests of this JVM: whatever active roles they left count too.
    long others;
    try (Pkcs11RoleKeyStore fresh = new Pkcs11RoleKeyStore(SoftHsmToken.shared())) {
      others = RoleService.group(fresh.list()).stream().filter(r -> !r.isExpired(t0)).count();
    }
    String account = SoftHsmToken.uniqueAccount();
    RoleId a = new RoleId(account, "max-a");
    RoleId b = new RoleId(account, "max-b");
    RoleId c = new RoleId(account, "max-c");
    try (LifecycleServer s = server(Map.of("roles.max-active", Long.toString(others + 2)), Duration.ofMillis(300))) {
      s.create(a, "1h");
      s.create(b, "24h");
      HttpResponse<String> refused = s.admin("POST", "/admin/roles",
          "{\"account\":\"" + account + "\",\"engineer\":\"max-c\"}");
      assertEquals(507, refused.statusCode(), refused.body());
      assertEquals("insufficient_storage", LifecycleServer.json(refused).get("error"));
      assertEquals(List.of(), s.kidsOnToken(c), "nothing generated for the refused role");
      assertEquals(404, s.jwks(c).statusCode());

      assertEquals(200, s.revoke(b).statusCode());
      s.create(c, "24h");

      // An expired role no longer counts, collected or not.
      at(s, t0.plus(Duration.ofHours(1)));
      s.create(b, "24h");
      assertServing(s, b);
      assertServing(s, c);
    }
  }
}
