package com.doit.idp.server.token;

import com.doit.idp.config.RateLimit;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code http.rate-limit} per engineer: a token bucket of {@code permits} that refills evenly over {@code per}, so
 * a burst of {@code permits} is allowed and then one request every {@code per / permits}. Buckets live in a
 * bounded Caffeine cache and are dropped once idle for {@code per} (by then they are full again, so dropping one
 * changes nothing). Time comes from the injected {@link Clock}. Thread-safe.
 */
public final class EngineerRateLimiter {
  /** Only verified engineers get a bucket, so this bounds memory far above any real team. */
  static final long MAX_ENGINEERS = 100_000;

  private final RateLimit limit;
  private final Clock clock;
  private final Cache<String, Bucket> buckets;

  public EngineerRateLimiter(RateLimit limit, Clock clock) {
    this.limit = limit;
    this.clock = clock;
    this.buckets = Caffeine.newBuilder()
        .maximumSize(MAX_ENGINEERS)
        .expireAfterAccess(limit.per())
        .ticker(() -> clock.millis() * 1_000_000L)
        .build();
  }

  /** Takes one permit for the engineer now; empty when granted, else how long until the next permit. */
  public Optional<Duration> acquire(String engineer) {
    return acquire(engineer, clock.instant());
  }

  /** Takes one permit for the engineer at {@code now} (the caller's one clock reading for its request). */
  public Optional<Duration> acquire(String engineer, Instant now) {
    long millis = now.toEpochMilli();
    Bucket b = buckets.getIfPresent(engineer);
    if (b == null) b = buckets.get(engineer, e -> new Bucket(limit, millis)); // the lambda only for a new engineer
    return b.take(limit, millis);
  }

  /**
   * Credit counted in integer units (one permit = {@code per} in milliseconds, refilled at {@code permits} units per
   * millisecond), so waits are exact milliseconds with no rounding drift.
   */
  private static final class Bucket {
    private long units;
    private long lastMillis;

    Bucket(RateLimit limit, long now) {
      this.units = limit.permits() * limit.per().toMillis();
      this.lastMillis = now;
    }

    synchronized Optional<Duration> take(RateLimit limit, long now) {
      long cost = limit.per().toMillis();
      long capacity = limit.permits() * cost;
      if (now > lastMillis) {
        units = Math.min(capacity, units + Math.min(capacity, now - lastMillis) * limit.permits());
        lastMillis = now;
      }
      if (units >= cost) {
        units -= cost;
        return Optional.empty();
      }
      long missing = cost - units;
      return Optional.of(Duration.ofMillis((missing + limit.permits() - 1) / limit.permits()));
    }
  }
}
