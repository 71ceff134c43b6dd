package com.doit.idp.config;

import java.time.Duration;

/** {@code N/s}, {@code N/m} or {@code N/h}: at most {@code permits} requests in each {@code per}. */
public record RateLimit(int permits, Duration per) {
  public static RateLimit parse(String text) {
    String[] p = text.trim().split("/", -1);
    if (p.length != 2) throw new IllegalArgumentException("must be N/s, N/m or N/h");
    int n;
    try {
      n = Integer.parseInt(p[0].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be N/s, N/m or N/h");
    }
    if (n < 1) throw new IllegalArgumentException("N must be at least 1");
    Duration per = switch (p[1].trim()) {
      case "s" -> Duration.ofSeconds(1);
      case "m" -> Duration.ofMinutes(1);
      case "h" -> Duration.ofHours(1);
      default -> throw new IllegalArgumentException("must be N/s, N/m or N/h");
    };
    return new RateLimit(n, per);
  }

  @Override
  public String toString() {
    return permits + "/" + (per.getSeconds() == 1 ? "s" : per.getSeconds() == 60 ? "m" : "h");
  }
}
