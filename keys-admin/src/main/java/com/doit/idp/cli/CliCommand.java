package com.doit.idp.cli;

import com.doit.idp.config.Values;
import com.doit.idp.role.RoleId;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The base of every leaf command: access to the shared session, the global options and the output, and the parsing
 * of values the commands share. Values are parsed here rather than by picocli converters, so that a bad value is a
 * failure with one clear line (exit 1), not a usage dump (exit 2).
 */
abstract class CliCommand implements Callable<Integer> {
  static final int OK = 0;

  @Spec
  CommandSpec spec;

  /** Runs the command; throws what {@link Failures} turns into exit code 1. */
  abstract void execute();

  @Override
  public final Integer call() {
    execute();
    return OK;
  }

  final TopCommand top() {
    return (TopCommand) spec.root().userObject();
  }

  final Session session() {
    return top().session();
  }

  final boolean json() {
    return top().json();
  }

  final PrintWriter out() {
    return top().out();
  }

  /** Prints a JSON value, indented. */
  final void printJson(Object value) {
    out().println(Json.pretty(value));
  }

  static RoleId roleId(String text) {
    try {
      return RoleId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CliFailure("role '" + text + "': " + e.getMessage());
    }
  }

  /** A customer account, 12 digits. */
  static String account(String text) {
    if (!RoleId.isAccount(text)) throw new CliFailure("account '" + text + "': must be 12 digits");
    return text;
  }

  static Duration ttl(String text) {
    try {
      return Values.duration(text);
    } catch (IllegalArgumentException e) {
      throw new CliFailure("--ttl '" + text + "': " + e.getMessage());
    }
  }

  /** How long until {@code end}, in its two largest units ({@code 23h 59m}), or {@code expired}. */
  static String timeLeft(Instant now, Instant end) {
    if (!now.isBefore(end)) return "expired";
    Duration left = Duration.between(now, end);
    // Rounded up: a role created a fraction of a second ago for 24h has 24h left, not 23h 59m.
    long s = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
    long d = s / 86400;
    long h = s % 86400 / 3600;
    long m = s % 3600 / 60;
    long sec = s % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m " + sec + "s";
    return sec + "s";
  }
}
