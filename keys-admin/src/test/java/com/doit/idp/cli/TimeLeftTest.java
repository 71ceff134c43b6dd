package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeLeftTest {
  private static final Instant T = Instant.parse("2026-11-27T12:00:00Z");

  private static String left(Duration d) {
    return CliCommand.timeLeft(T, T.plus(d));
  }

  @Test
  void timeLeftIsExpiredFromTheEndInstantOn() {
    assertEquals("expired", left(Duration.ZERO));
    assertEquals("expired", left(Duration.ofSeconds(-1)));
    assertEquals("1s", left(Duration.ofNanos(1)));
  }

  @Test
  void timeLeftShowsTheTwoLargestUnitsRoundedUpToWholeSeconds() {
    assertEquals("59s", left(Duration.ofSeconds(59)));
    assertEquals("1m 0s", left(Duration.ofMillis(59_500)));
    assertEquals("1h 30m", left(Duration.ofMinutes(90)));
    assertEquals("1d 0h", left(Duration.ofHours(24).minusMillis(500)));
    assertEquals("23h 59m", left(Duration.ofHours(24).minusSeconds(1)));
    assertEquals("30d 0h", left(Duration.ofDays(30)));
  }
}
