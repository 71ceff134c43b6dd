package com.doit.idp.role;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path's view of the roles in the HSM: a snapshot read in one scan and replaced in the background
 * every third of {@code roles.cache-ttl}, so no request ever searches the token (a search scans every object: 130 ms
 * at 5,000 keys on SoftHSM2). A role revoked or created by another replica is seen within the cache TTL.
 *
 * <p>Expiry and key states are computed from {@code now} on every call, so they are exact whatever the snapshot's
 * age. When the HSM cannot be read, the last snapshot keeps serving until it is older than the cache TTL; after
 * that every lookup throws {@link HsmException} (so the server answers 503 rather than pretend a role is gone).
 *
 * <p>Thread-safe: the snapshot is immutable and swapped atomically.
 */
public final class RoleDirectory {
  private static final Logger log = LoggerFactory.getLogger(RoleDirectory.class);

  private record Snapshot(Map<RoleId, SupportRole> roles, Instant readAt, long version) {}

  private final RoleKeyStore store;
  private final Clock clock;
  private final Duration cacheTtl;
  private volatile Snapshot snapshot;

  public RoleDirectory(RoleKeyStore store, Clock clock, Duration cacheTtl) {
    this.store = store;
    this.clock = clock;
    this.cacheTtl = cacheTtl;
  }

  /** Reads the HSM now and replaces the snapshot; throws {@link HsmException} if the HSM cannot be read. */
  public synchronized void refresh() {
    Instant at = clock.instant();
    List<SupportRole> roles = RoleService.group(store.list());
    Map<RoleId, SupportRole> byId = new HashMap<>(roles.size() * 2);
    for (SupportRole r : roles) byId.put(r.id(), r);
    Snapshot previous = snapshot;
    snapshot = new Snapshot(Map.copyOf(byId), at, previous == null ? 1 : previous.version + 1);
  }

  /**
   * Refreshes a third of the cache TTL after the previous refresh ended; a failed refresh is logged and retried next
   * time. A snapshot is dated from the start of its scan, so its age just before the next one lands is one scan, the
   * pause and the next scan: a third of the TTL leaves room for scans of up to a third of it each (a scan of 3,000
   * roles takes about a second of CPU on SoftHSM2). A scan slower than that is logged, since it brings 503s near.
   */
  public void startRefreshing(ScheduledExecutorService scheduler) {
    long periodMs = Math.max(100, cacheTtl.toMillis() / 3);
    scheduler.scheduleWithFixedDelay(() -> {
      long start = System.nanoTime();
      try {
        refresh();
      } catch (RuntimeException e) {
        log.warn("role-directory-refresh-failed: {}", e.toString());
        return;
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      if (tookMs > periodMs) {
        log.warn("role-directory-refresh-slow took_ms={} roles={} cache_ttl_ms={}", tookMs,
            snapshot.roles().size(), cacheTtl.toMillis());
      }
    }, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    if (s == null) throw new HsmException("roles not loaded from the HSM yet");
    if (Duration.between(s.readAt, clock.instant()).compareTo(cacheTtl) > 0) {
      throw new HsmException("roles not read from the HSM for more than roles.cache-ttl");
    }
    return s;
  }

  /** True when the snapshot is no older than the cache TTL. */
  public boolean isFresh() {
    Snapshot s = snapshot;
    return s != null && Duration.between(s.readAt, clock.instant()).compareTo(cacheTtl) <= 0;
  }

  /** The role if it is active now (inside its window, with a key that signs); empty otherwise, whatever the reason. */
  public Optional<SupportRole> active(RoleId id) {
    SupportRole r = current().roles.get(id);
    return r != null && r.isActive(clock.instant()) ? Optional.of(r) : Optional.empty();
  }

  /**
   * The role if it is active at {@code now}: a request that reads the clock once passes its reading, so this answer
   * and whatever the request does next with the role agree on the instant. The snapshot's freshness is judged by the
   * clock, as for {@link #active(RoleId)}.
   */
  public Optional<SupportRole> active(RoleId id, Instant now) {
    SupportRole r = current().roles.get(id);
    return r != null && r.isActive(now) ? Optional.of(r) : Optional.empty();
  }

  /** The engineer's active roles, ordered by account. */
  public List<SupportRole> activeFor(String engineer) {
    Instant now = clock.instant();
    return current().roles.values().stream()
        .filter(r -> r.id().engineer().equals(engineer) && r.isActive(now))
        .sorted((a, b) -> a.id().compareTo(b.id()))
        .toList();
  }

  /** How many roles are active now (a gauge). */
  public long activeCount() {
    Snapshot s = snapshot;
    if (s == null) return 0;
    Instant now = clock.instant();
    return s.roles.values().stream().filter(r -> r.isActive(now)).count();
  }

  /** Grows by one on every refresh; lets caches of rendered documents key on it. */
  public long version() {
    Snapshot s = snapshot;
    return s == null ? 0 : s.version;
  }
}
