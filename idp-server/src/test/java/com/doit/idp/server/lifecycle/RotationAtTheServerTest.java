package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.MutableClock;
import com.doit.idp.server.sso.SsoTestIssuer;
import io.micrometer.core.instrument.Timer;
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
 * Staged rotation (SPEC.md "Key rotation and revocation") at a running server on a real SoftHSM2 token, observed
 * only through HTTP and the token itself, with the server's clock moved by hand: the new key is published at once
 * and signs after one {@code http.jwks-max-age}; the old key stays published until its last token has expired plus
 * one max-age; then the server's own gc sweep deletes it from the HSM.
 */
class RotationAtTheServerTest {
  static final Duration MAX_AGE = Duration.ofSeconds(300);
  static final Duration LIFETIME = Duration.ofSeconds(120);

  private final SsoTestIssuer sso = SharedSso.get();
  @TempDir Path dir;

  /** The number of HSM listings the server has made (each gc sweep makes one; so does each directory refresh). */
  private static long listings(LifecycleServer s) {
    return s.server.meterRegistry().find("idp.hsm.operation").tag("operation", "list").timers().stream()
        .mapToLong(Timer::count).sum();
  }

  @Test
  void theNewKeyIsPublishedBeforeItSignsAndTheOldOneUntilItsLastTokenExpiredPlusMaxAgeThenTheSweepDeletesIt()
      throws Exception {
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    MutableClock clock = new MutableClock(t0);
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "rosa");
    try (LifecycleServer s = new LifecycleServer(dir, SoftHsmToken.shared(), sso, clock, Map.of(
        "http.jwks-max-age", MAX_AGE.toSeconds() + "s", "tokens.lifetime", LIFETIME.toSeconds() + "s",
        "roles.cache-ttl", "30s", "tokens.algorithm", "RS256"))) {
      s.create(role, "24h");
      List<String> first = LifecycleServer.kids(s.jwks(role));
      assertEquals(1, first.size());
      String k1 = first.get(0);
      assertEquals(k1, LifecycleServer.kidOf(s.exchange(role)));

      // Rotation: the new key is in the JWKS at once, the old one still signs.
      HttpResponse<String> rotated = s.rotate(role);
      assertEquals(200, rotated.statusCode(), rotated.body());
      List<String> both = LifecycleServer.kids(s.jwks(role));
      assertEquals(2, both.size(), "old and new key published");
      assertEquals(k1, both.get(0));
      String k2 = both.get(1);
      assertNotEquals(k1, k2);
      assertEquals(List.of(k1, k2).stream().sorted().toList(), s.kidsOnToken(role));
      assertEquals(k1, LifecycleServer.kidOf(s.exchange(role)), "the new key does not sign before one max-age");
      // Never more than two keys: a second rotation while one is under way is refused and changes nothing.
      assertEquals(409, s.rotate(role).statusCode());
      assertEquals(both, LifecycleServer.kids(s.jwks(role)));

      // One second before one max-age has passed: still the old key.
      advance(s, clock, MAX_AGE.minusSeconds(1));
      HttpResponse<String> lastOld = s.exchange(role);
      assertEquals(k1, LifecycleServer.kidOf(lastOld));
      Instant lastOldExpires = clock.instant().plus(LIFETIME);
      assertEquals(lastOldExpires.getEpochSecond(), Sts.verify(LifecycleServer.accessToken(lastOld),
          s.jwks(role).body(), s.names.issuer(role), clock.instant()).getExpirationTime().getValue());

      // One max-age after the rotation: the new key signs, and STS finds it in the JWKS it may have cached.
      advance(s, clock, Duration.ofSeconds(1));
      HttpResponse<String> firstNew = s.exchange(role);
      assertEquals(k2, LifecycleServer.kidOf(firstNew));
      HttpResponse<String> jwksNow = s.jwks(role);
      assertEquals(both, LifecycleServer.kids(jwksNow));
      Sts.verify(LifecycleServer.accessToken(firstNew), jwksNow.body(), s.names.issuer(role), clock.instant());
      // A token the old key signed at the last moment still verifies against what is published now.
      Sts.verify(LifecycleServer.accessToken(lastOld), jwksNow.body(), s.names.issuer(role), clock.instant());

      // The old key's last token expires at lastOldExpires; it stays published one max-age past that (the server
      // keeps it one second longer: the last token could have been minted up to a second later than ours).
      Instant publishedUntil = lastOldExpires.plus(MAX_AGE);
      advance(s, clock, Duration.between(clock.instant(), publishedUntil));
      assertEquals(both, LifecycleServer.kids(s.jwks(role)), "old key published until its last token expired + max-age");
      // Sweeps run meanwhile, and leave a key that is still published on the token.
      long before = listings(s);
      Poll.until(Duration.ofSeconds(10), "three more HSM listings (gc sweeps)", () -> listings(s), n -> n >= before + 3);
      assertEquals(List.of(k1, k2).stream().sorted().toList(), s.kidsOnToken(role));

      advance(s, clock, Duration.ofSeconds(1));
      Instant retired = clock.instant();
      assertEquals(List.of(k2), LifecycleServer.kids(s.jwks(role)), "old key unpublished at its retirement");
      assertEquals(k2, LifecycleServer.kidOf(s.exchange(role)));
      // The server's periodic sweep deletes it from the HSM: a new store listing the token no longer finds it.
      Poll.until(Duration.ofSeconds(10), "the retired key deleted from the token", () -> s.kidsOnToken(role),
          kids -> kids.equals(List.of(k2)));
      // The line is written just after the delete: wait for it rather than race it.
      List<Map<String, Object>> deleted = Poll.until(Duration.ofSeconds(10), "key.deleted in the audit log",
          () -> s.audit(role).stream().filter(l -> AuditEvent.KEY_DELETED.equals(l.get("event"))).toList(),
          l -> !l.isEmpty());
      assertEquals(1, deleted.size(), deleted.toString());
      assertEquals(k1, deleted.get(0).get("kid"));
      assertEquals(retired.toString(), deleted.get(0).get("ts"));
      assertEquals(List.of(k2), LifecycleServer.kids(s.jwks(role)));
      // The rotation is over: a new one may start.
      assertEquals(200, s.rotate(role).statusCode());
      assertTrue(LifecycleServer.kids(s.jwks(role)).size() == 2);
    }
  }

  @Test
  void aRestartedServerReadsTheRotationStateFromTheHsmAndCarriesItOn() {
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    MutableClock clock = new MutableClock(t0);
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "rory");
    Map<String, String> conf = Map.of("http.jwks-max-age", MAX_AGE.toSeconds() + "s",
        "tokens.lifetime", LIFETIME.toSeconds() + "s");
    List<String> both;
    String k1;
    try (LifecycleServer s = new LifecycleServer(dir.resolve("before"), SoftHsmToken.shared(), sso, clock, conf)) {
      s.create(role, "24h");
      k1 = LifecycleServer.kids(s.jwks(role)).get(0);
      assertEquals(200, s.rotate(role).statusCode());
      both = LifecycleServer.kids(s.jwks(role));
    }
    // A new server object, a new store: nothing survives but what the HSM holds.
    try (LifecycleServer s = new LifecycleServer(dir.resolve("after"), SoftHsmToken.shared(), sso, clock, conf)) {
      assertEquals(both, LifecycleServer.kids(s.jwks(role)));
      assertEquals(k1, LifecycleServer.kidOf(s.exchange(role)), "the new key still waits for its max-age");
      assertEquals(409, s.rotate(role).statusCode(), "the rotation under way is known after the restart");
      advance(s, clock, MAX_AGE);
      assertEquals(both.get(1), LifecycleServer.kidOf(s.exchange(role)));
    }
  }

  /** Moves the server's clock and re-reads the HSM as the background refresh would have by then. */
  static void advance(LifecycleServer s, MutableClock clock, Duration d) {
    clock.advance(d);
    s.server.directory().refresh();
  }
}
