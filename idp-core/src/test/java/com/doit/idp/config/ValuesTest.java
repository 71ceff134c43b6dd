package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void durationsTakeTheFourUnitsOfTheSpec() {
    assertEquals(Duration.ofSeconds(300), Values.duration("300s"));
    assertEquals(Duration.ofMinutes(15), Values.duration("15m"));
    assertEquals(Duration.ofHours(24), Values.duration("24h"));
    assertEquals(Duration.ofDays(30), Values.duration("30d"));
    for (String bad : new String[] {"", "300", "5 m", "-5s", "1.5h", "1w", "99999999999s"}) {
      assertThrows(IllegalArgumentException.class, () -> Values.duration(bad), bad);
    }
    assertEquals("1d", Values.format(Duration.ofHours(24)));
    assertEquals("2h", Values.format(Duration.ofHours(2)));
    assertEquals("90s", Values.format(Duration.ofSeconds(90)));
  }

  @Test
  void sizesTakeBytesKibAndMib() {
    assertEquals(65536, Values.size("64KiB"));
    assertEquals(1048576, Values.size("1MiB"));
    assertEquals(100, Values.size("100"));
    assertThrows(IllegalArgumentException.class, () -> Values.size("64KB"));
  }

  @Test
  void rateLimitsArePermitsPerUnit() {
    assertEquals(new RateLimit(60, Duration.ofMinutes(1)), RateLimit.parse("60/m"));
    assertEquals("5/s", RateLimit.parse("5/s").toString());
    assertThrows(IllegalArgumentException.class, () -> RateLimit.parse("0/m"));
    assertThrows(IllegalArgumentException.class, () -> RateLimit.parse("60/d"));
  }
}
