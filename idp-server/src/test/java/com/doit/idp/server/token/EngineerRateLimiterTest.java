package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.RateLimit;
import com.doit.idp.role.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineerRateLimiterTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));

  @Test
  void aBurstOfPermitsIsAllowedThenOnePermitPerIntervalShare() {
    EngineerRateLimiter l = new EngineerRateLimiter(RateLimit.parse("60/m"), clock);
    for (int i = 0; i < 60; i++) assertTrue(l.acquire("alice").isEmpty(), "permit " + i);
    assertEquals(Optional.of(Duration.ofSeconds(1)), l.acquire("alice"));
    clock.advance(Duration.ofMillis(999));
    assertTrue(l.acquire("alice").isPresent());
    clock.advance(Duration.ofMillis(1));
    assertTrue(l.acquire("alice").isEmpty());
    assertTrue(l.acquire("alice").isPresent());
  }

  @Test
  void eachEngineerHasTheirOwnBucket() {
    EngineerRateLimiter l = new EngineerRateLimiter(RateLimit.parse("1/h"), clock);
    assertTrue(l.acquire("alice").isEmpty());
    assertEquals(Optional.of(Duration.ofHours(1)), l.acquire("alice"));
    assertTrue(l.acquire("bob").isEmpty());
  }

  @Test
  void anIdleBucketRefillsToTheBurstAndNoFurther() {
    EngineerRateLimiter l = new EngineerRateLimiter(RateLimit.parse("2/s"), clock);
    assertTrue(l.acquire("alice").isEmpty());
    assertTrue(l.acquire("alice").isEmpty());
    assertTrue(l.acquire("alice").isPresent());
    clock.advance(Duration.ofDays(1));
    assertTrue(l.acquire("alice").isEmpty());
    assertTrue(l.acquire("alice").isEmpty());
    assertTrue(l.acquire("alice").isPresent());
  }

  @Test
  void aClockThatStepsBackDoesNotGrantPermits() {
    EngineerRateLimiter l = new EngineerRateLimiter(RateLimit.parse("1/m"), clock);
    assertTrue(l.acquire("alice").isEmpty());
    clock.advance(Duration.ofSeconds(-30));
    assertTrue(l.acquire("alice").isPresent());
  }
}
