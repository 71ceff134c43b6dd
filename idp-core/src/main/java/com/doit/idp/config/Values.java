package com.doit.idp.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the value forms of the configuration file: durations, sizes, booleans, lists. */
public final class Values {
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,9})(B|KiB|MiB)?");

  private Values() {}

  /** {@code 300s}, {@code 15m}, {@code 24h}, {@code 30d}. */
  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) throw new IllegalArgumentException("must be a duration such as 300s, 15m, 24h or 30d");
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** Writes a duration back in the largest whole unit. */
  public static String format(Duration d) {
    long s = d.getSeconds();
    if (s != 0 && s % 86400 == 0) return s / 86400 + "d";
    if (s != 0 && s % 3600 == 0) return s / 3600 + "h";
    if (s != 0 && s % 60 == 0) return s / 60 + "m";
    return s + "s";
  }

  /** {@code 65536}, {@code 64KiB}, {@code 1MiB}. */
  public static long size(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) throw new IllegalArgumentException("must be a size such as 65536, 64KiB or 1MiB");
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KiB" -> n * 1024;
      case "MiB" -> n * 1024 * 1024;
      default -> n;
    };
  }

  public static boolean bool(String text) {
    return switch (text.trim()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  /** Comma-separated, blanks trimmed, empty items dropped. */
  public static List<String> list(String text) {
    return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  public static int integer(String text, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number");
    }
    if (n < min || n > max) throw new IllegalArgumentException("must be " + min + ".." + max);
    return n;
  }
}
