package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.MutableClock;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log of a running server (SPEC.md "Audit log"): one JSON line per event, each with the fields that say
 * who did what, the admin acts with actor {@code admin-api} or {@code keys-admin:<user>} (keys-admin writes to the
 * same file), the server's sweep with actor {@code server}; and never a token, a PIN or a key.
 */
class AuditAtTheServerTest {
  private final SsoTestIssuer sso = SharedSso.get();
  @TempDir Path dir;

  private static Map<String, Object> only(List<Map<String, Object>> lines, String event, String actor) {
    List<Map<String, Object>> found = lines.stream()
        .filter(l -> event.equals(l.get("event")) && java.util.Objects.equals(actor, l.get("actor"))).toList();
    assertEquals(1, found.size(), () -> event + " by " + actor + " in " + lines);
    return found.get(0);
  }

  private static long count(List<Map<String, Object>> lines, String event, String actor) {
    return lines.stream().filter(l -> event.equals(l.get("event")) && actor.equals(l.get("actor"))).count();
  }

  @Test
  void everyEventIsOneLineWithItsActorAndNoLineHoldsATokenThePinTheAdminTokenOrAKey() {
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    MutableClock clock = new MutableClock(t0);
    String account = SoftHsmToken.uniqueAccount();
    RoleId byApi = new RoleId(account, "api-made");
    RoleId byCli = new RoleId(account, "cli-made");
    RoleId expiring = new RoleId(account, "expiring");
    try (LifecycleServer s = new LifecycleServer(dir, SoftHsmToken.shared(), sso, clock, Map.of(),
        Pkcs11RoleKeyStore::new, Duration.ofMillis(300))) {
      Operator keysAdmin = new Operator(s.config, clock, "oncall");
      List<String> secrets = new ArrayList<>(List.of(LifecycleServer.pin(s.hsm), LifecycleServer.ADMIN_TOKEN));

      // Created, extended, rotated, revoked through the admin API; the same through keys-admin.
      s.create(byApi, "2h");
      keysAdmin.run("role", "create", "--account", account, "--engineer", "cli-made", "--ttl", "2h").succeeds();
      s.create(expiring, "1h");
      assertEquals(200, s.extend(byApi, "3h").statusCode());
      keysAdmin.run("role", "extend", byCli.toString(), "--ttl", "3h").succeeds();
      assertEquals(200, s.rotate(byApi).statusCode());
      keysAdmin.run("role", "rotate", byCli.toString()).succeeds();
      s.server.directory().refresh();

      // A token issued, one denied (another engineer's role name), one denied for a bad SSO token.
      String ssoToken = s.ssoToken("api-made");
      HttpResponse<String> issued = s.exchange(s.url("token", "/token"), s.names.roleArn(byApi), ssoToken);
      String accessToken = LifecycleServer.accessToken(issued);
      String kid = LifecycleServer.kidOf(issued);
      secrets.add(accessToken);
      secrets.add(accessToken.substring(accessToken.lastIndexOf('.') + 1)); // the signature alone
      secrets.add(ssoToken);
      secrets.add(ssoToken.substring(ssoToken.lastIndexOf('.') + 1));
      assertEquals(400, s.exchange(s.url("token", "/token"), s.names.roleArn(byCli), ssoToken).statusCode());
      String forged = ssoToken.substring(0, ssoToken.lastIndexOf('.') + 1) + "AAAA";
      secrets.add(forged);
      assertEquals(400, s.exchange(s.url("token", "/token"), s.names.roleArn(byApi), forged).statusCode());
      List<String> publicKeys = new ArrayList<>();
      for (Object k : (List<?>) LifecycleServer.json(s.jwks(byApi)).get("keys")) {
        publicKeys.add((String) ((Map<?, ?>) k).get("x"));
      }

      assertEquals(200, s.revoke(byApi).statusCode());
      keysAdmin.run("role", "revoke", byCli.toString()).succeeds();
      // The expiring role is collected by the server's sweep once its window has ended.
      clock.advance(Duration.ofHours(1));
      Poll.until(Duration.ofSeconds(10), "the sweep collecting the expired role", () -> s.audit(expiring),
          lines -> lines.stream().anyMatch(l -> AuditEvent.ROLE_EXPIRED.equals(l.get("event"))));

      List<Map<String, Object>> api = s.audit(byApi);
      List<Map<String, Object>> cli = s.audit(byCli);
      only(api, AuditEvent.ROLE_CREATED, "admin-api");
      only(cli, AuditEvent.ROLE_CREATED, "keys-admin:oncall");
      assertTrue(((String) only(api, AuditEvent.ROLE_EXTENDED, "admin-api").get("reason")).startsWith("until "));
      only(cli, AuditEvent.ROLE_EXTENDED, "keys-admin:oncall");
      assertNotNull(only(api, AuditEvent.ROLE_ROTATED, "admin-api").get("kid"));
      assertNotNull(only(cli, AuditEvent.ROLE_ROTATED, "keys-admin:oncall").get("kid"));
      only(api, AuditEvent.ROLE_REVOKED, "admin-api");
      only(cli, AuditEvent.ROLE_REVOKED, "keys-admin:oncall");
      assertEquals(2, count(api, AuditEvent.KEY_DELETED, "admin-api"), "both keys of the rotating role");
      assertEquals(2, count(cli, AuditEvent.KEY_DELETED, "keys-admin:oncall"));
      List<Map<String, Object>> exp = s.audit(expiring);
      only(exp, AuditEvent.ROLE_CREATED, "admin-api");
      only(exp, AuditEvent.ROLE_EXPIRED, "server");
      assertEquals(1, count(exp, AuditEvent.KEY_DELETED, "server"));

      Map<String, Object> ok = only(api, AuditEvent.TOKEN_ISSUED, null);
      assertEquals(kid, ok.get("kid"));
      for (String field : List.of("ts", "engineer", "account", "jti", "request_id", "remote_addr")) {
        assertNotNull(ok.get(field), field + " in " + ok);
      }
      assertEquals(issued.headers().firstValue("X-Request-Id").orElseThrow(), ok.get("request_id"));
      Map<String, Object> denied = only(s.audit(new RoleId(account, "api-made")).stream()
          .filter(l -> "foreign_role".equals(l.get("reason"))).toList(), AuditEvent.TOKEN_DENIED, null);
      assertEquals("api-made", denied.get("engineer"));
      // The forged SSO token is refused before anyone is known: the line says why, and names nobody.
      List<Map<String, Object>> badSso = s.auditLines().stream().map(LifecycleServer::json)
          .filter(l -> AuditEvent.TOKEN_DENIED.equals(l.get("event")) && "bad_signature".equals(l.get("reason")))
          .toList();
      assertEquals(1, badSso.size(), badSso.toString());
      assertEquals(null, badSso.get(0).get("engineer"));
      assertNotNull(badSso.get(0).get("request_id"));

      // Every line is one JSON object with the documented fields only; none holds a secret or key material.
      Set<String> fields = Set.of("ts", "event", "engineer", "account", "kid", "jti", "reason", "request_id",
          "remote_addr", "actor");
      List<String> lines = s.auditLines();
      // 3 created, 2 extended, 2 rotated, 1 issued, 1 denied (foreign role), 2 revoked, 5 keys deleted, 1 expired,
      // plus the bad-signature denial, which names no account (the sweep may add lines for other tests' roles).
      assertEquals(17, lines.stream().filter(l -> l.contains("\"account\":\"" + account + "\"")).count(),
          String.join("\n", lines));
      for (String line : lines) {
        assertTrue(fields.containsAll(LifecycleServer.json(line).keySet()), line);
        for (String secret : secrets) assertFalse(line.contains(secret), "a secret in the audit line " + line);
        for (String x : publicKeys) assertFalse(line.contains(x), "key material in " + line);
        assertFalse(line.contains("eyJ"), "something JWT-like in " + line);
      }
    }
  }
}
