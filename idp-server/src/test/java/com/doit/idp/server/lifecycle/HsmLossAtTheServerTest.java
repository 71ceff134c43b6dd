package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.IdpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HSM that stops answering, and comes back, under a running server on a real SoftHSM2 token (SPEC.md
 * "Management": ready only while the HSM answers; "503 when the HSM cannot sign"). The token is taken away the way
 * hsm-config's fault tests do it, by moving its directory out of SoftHSM2's token directory (SoftHSM2 then fails
 * every session call on it), on this JVM's disposable token so no other test's token is touched.
 *
 * <p>Contract checked: {@code /readyz} turns 503 within 5 s; {@code POST /token} gets 503 JSON, no stack trace; the
 * public JWKS read before the loss keeps being served until {@code roles.cache-ttl} after the last read of the HSM,
 * then 503 (never a false 404); when the token is back the same server object becomes ready and mints again.
 */
class HsmLossAtTheServerTest {
  static final Duration CACHE_TTL = Duration.ofSeconds(6);
  static final Duration READY_WITHIN = Duration.ofSeconds(5);
  @TempDir Path dir;

  private static void assertNoInternals(HttpResponse<String> r) {
    assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains("pkcs11")
        || r.body().contains("CKR_"), r.body());
  }

  @Test
  void readyzTurns503TokensGet503CachedJwksIsServedUntilTheCacheTtlAndTheSameServerRecoversWhenTheTokenIsBack()
      throws Exception {
    IdpConfig.Hsm hsm = SoftHsmToken.disposable();
    Path tokenDir = SoftHsmToken.disposableTokenDirectory();
    // Outside SoftHSM2's token directory: a renamed directory inside it would still be found as the same token.
    Path away = SoftHsmToken.softHsmDirectory().resolve("away-" + tokenDir.getFileName());
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "hana");
    // Reconnect backoff kept short (production: 0.5 s doubling to 30 s) so the return shows within seconds here.
    try (LifecycleServer s = new LifecycleServer(dir, hsm, SharedSso.get(), Clock.systemUTC(),
        Map.of("roles.cache-ttl", CACHE_TTL.toSeconds() + "s", "hsm.sessions", "2"),
        h -> new Pkcs11RoleKeyStore(h, Clock.systemUTC(), Duration.ofSeconds(2), Duration.ofMillis(200),
            Duration.ofSeconds(1)), Duration.ofMinutes(1))) {
      IdpServer server = s.server;
      InetSocketAddress tokenAddress = server.address("token");
      s.create(role, "1h");
      Poll.until(Duration.ofSeconds(30), "ready before the loss", () -> s.readyz().statusCode(), c -> c == 200);
      String kid = LifecycleServer.kidOf(s.exchange(role));
      HttpResponse<String> jwksBefore = s.jwks(role);
      assertEquals(List.of(kid), LifecycleServer.kids(jwksBefore));

      long readFrom = System.nanoTime(); // the last successful read of the HSM is no earlier than this
      server.directory().refresh();
      Files.move(tokenDir, away);
      long lostAt = System.nanoTime();
      try {
        // /readyz: 503 within 5 s of the loss, with the reason as JSON.
        HttpResponse<String> notReady = Poll.until(READY_WITHIN, "/readyz 503", s::readyz, r -> r.statusCode() == 503);
        assertTrue(Duration.ofNanos(System.nanoTime() - lostAt).compareTo(READY_WITHIN.plusSeconds(1)) < 0);
        assertEquals("not_ready", LifecycleServer.json(notReady).get("error"));
        assertEquals("the HSM does not answer", LifecycleServer.json(notReady).get("error_description"));

        // POST /token: 503 JSON with Retry-After, no stack trace, nothing about the HSM's internals.
        HttpResponse<String> refused = s.exchange(role);
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("temporarily_unavailable", LifecycleServer.json(refused).get("error"));
        assertNotNull(LifecycleServer.header(refused, "Retry-After"));
        assertEquals("no-store", LifecycleServer.header(refused, "Cache-Control"));
        assertNoInternals(refused);

        // The JWKS read before the loss: served while the last read is younger than roles.cache-ttl, then 503.
        HttpResponse<String> last;
        while (true) {
          last = s.jwks(role);
          if (last.statusCode() != 200) break;
          assertEquals(jwksBefore.body(), last.body(), "the cached JWKS, unchanged");
          assertTrue(Duration.ofNanos(System.nanoTime() - lostAt).compareTo(CACHE_TTL.plusSeconds(10)) < 0,
              "still served long after roles.cache-ttl");
          Thread.sleep(200);
        }
        // Measured after the answer, so at least the snapshot's age when the server refused.
        long ageAtRefusal = System.nanoTime() - readFrom;
        assertEquals(503, last.statusCode(), last.body());
        assertTrue(Duration.ofNanos(ageAtRefusal).compareTo(CACHE_TTL) > 0,
            "the cached JWKS must be served until roles.cache-ttl has passed; refused after "
                + Duration.ofNanos(ageAtRefusal));
        assertEquals("temporarily_unavailable", LifecycleServer.json(last).get("error"));
        assertEquals("no-store", LifecycleServer.header(last, "Cache-Control"));
        assertNoInternals(last);
        assertEquals(503, s.readyz().statusCode());
      } finally {
        if (Files.exists(away)) Files.move(away, tokenDir);
      }

      // The token is back: the same server object recovers by itself, no restart.
      Poll.until(Duration.ofSeconds(30), "/readyz 200 after the token came back", () -> s.readyz().statusCode(),
          c -> c == 200);
      HttpResponse<String> again = Poll.until(Duration.ofSeconds(10), "a token minted again", () -> s.exchange(role),
          r -> r.statusCode() == 200);
      assertEquals(kid, LifecycleServer.kidOf(again));
      assertEquals(List.of(kid), LifecycleServer.kids(s.jwks(role)));
      assertSame(server, s.server);
      assertEquals(tokenAddress, server.address("token"));
    }
  }
}
