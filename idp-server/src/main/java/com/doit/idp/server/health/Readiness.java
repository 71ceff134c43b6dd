package com.doit.idp.server.health;

import com.doit.idp.role.HsmBusyException;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleKeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this replica should receive traffic (SPEC.md: ready only while the HSM answers and the SSO keys are
 * loaded). The HSM is pinged at most once per {@code pingEvery} (by the injected clock), so frequent probes do not
 * load it, and an HSM loss shows within {@code pingEvery} plus one probe interval. The role directory must also be
 * fresh: a stale one answers every public request with 503.
 *
 * <p>Thread-safe: {@link #check} is synchronized, so concurrent probes share one ping.
 */
public final class Readiness {
  private static final Logger log = LoggerFactory.getLogger(Readiness.class);

  /** Ready, or why not (a short reason for the 503 body; no internals). */
  public record Status(boolean ready, Optional<String> reason) {}

  private final RoleKeyStore store;
  private final RoleDirectory directory;
  private final BooleanSupplier ssoKeysLoaded;
  private final Clock clock;
  private final Duration pingEvery;
  private Instant lastPing;
  private volatile boolean hsmUp;
  private volatile boolean stopping;

  public Readiness(RoleKeyStore store, RoleDirectory directory, BooleanSupplier ssoKeysLoaded, Clock clock,
      Duration pingEvery) {
    this.store = store;
    this.directory = directory;
    this.ssoKeysLoaded = ssoKeysLoaded;
    this.clock = clock;
    this.pingEvery = pingEvery;
  }

  /**
   * From now on not ready, whatever the HSM and the SSO say: the server is stopping, and a load balancer should
   * send it no more requests (the server keeps serving those it gets meanwhile).
   */
  public void markStopping() {
    stopping = true;
  }

  public synchronized Status check() {
    if (stopping) return new Status(false, Optional.of("the server is stopping"));
    Instant now = clock.instant();
    if (lastPing == null || !now.isBefore(lastPing.plus(pingEvery))) {
      lastPing = now;
      boolean up;
      try {
        store.ping();
        up = true;
      } catch (HsmBusyException e) {
        up = true; // it answers; every session is signing
      } catch (RuntimeException e) {
        up = false;
        if (hsmUp) log.warn("hsm-down: {}", e.toString());
      }
      if (up && !hsmUp) {
        log.info("hsm-up");
        refreshIfStale();
      }
      hsmUp = up;
    }
    if (!hsmUp) return new Status(false, Optional.of("the HSM does not answer"));
    if (!directory.isFresh()) return new Status(false, Optional.of("roles not read from the HSM recently"));
    if (!ssoKeysLoaded.getAsBoolean()) return new Status(false, Optional.of("the SSO signing keys are not loaded"));
    return new Status(true, Optional.empty());
  }

  /** After an outage, read the roles at once rather than at the next scheduled refresh. */
  private void refreshIfStale() {
    if (directory.isFresh()) return;
    try {
      directory.refresh();
    } catch (RuntimeException e) {
      log.warn("role-directory-refresh-failed: {}", e.toString());
    }
  }

  /** The result of the last ping (a gauge); false before the first. */
  public boolean hsmUp() {
    return hsmUp;
  }
}
