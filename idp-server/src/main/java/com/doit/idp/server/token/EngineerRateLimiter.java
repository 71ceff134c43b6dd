package com.doit.idp.server.token;

import com.doit.idp.config.RateLimit;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
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

  /** Takes one permit for the engineer; empty when granted, else how long until the next permit. */
  public Optional<Duration> acquire(String engineer) {
    Bucket b = buckets.get(engineer, e -> new Bucket(limit.permits(), clock.millis()));
    return b.take(limit, clock.millis());
  }

  private static final class Bucket {
    private double tokens;
    private long lastMillis;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastMillis = now;
    }

    synchronized Optional<Duration> take(RateLimit limit, long now) {
      double perMilli = (double) limit.permits() / limit.per().toMillis();
      if (now > lastMillis) {
        tokens = Math.min(limit.permits(), tokens + (now - lastMillis) * perMilli);
        lastMillis = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return Optional.empty();
      }
      return Optional.of(Duration.ofMillis((long) Math.ceil((1 - tokens) / perMilli)));
    }
  }
}
