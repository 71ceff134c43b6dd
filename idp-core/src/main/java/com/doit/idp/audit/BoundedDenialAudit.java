package com.doit.idp.audit;

import com.doit.idp.config.Cidr;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Bounds the {@code token.denied} lines that refused token requests write, so that a flood of refused requests
 * (each costs the client one connection, and no valid SSO token) cannot fill the disk: per minute, at most
 * {@value #PER_SOURCE} lines per source address (an IPv6 source is its /64, which one host usually holds whole) and
 * {@value #IN_TOTAL} in all. What is dropped is counted per source and summarised once the minute is over, in at
 * most {@value #MAX_SUMMARIES} {@code token.denied.dropped} lines with {@code remote_addr} and {@code count} (the
 * most dropped first), plus one line without {@code remote_addr} that sums the other sources. Every other event
 * passes through untouched. docs/RUNBOOK.md "The audit log" has the figures.
 *
 * <p>The summary of a minute is written by the first denied request after it, or by {@link #flush}, which the
 * server calls periodically. The source address is the event's {@code remote_addr}, the client address the HTTP
 * layer derived (behind a trusted load balancer, the client's). Thread-safe; the lines themselves are written
 * outside its lock.
 */
public final class BoundedDenialAudit implements AuditLog {
  /** {@code token.denied} lines written per source address per window. */
  public static final int PER_SOURCE = 10;
  /** {@code token.denied} lines written per window, all sources together. */
  public static final int IN_TOTAL = 300;
  /** Summary lines naming a source, per window. */
  public static final int MAX_SUMMARIES = 20;
  /** Sources tracked per window; requests from further sources count towards one shared entry. */
  static final int MAX_SOURCES = 4096;
  static final Duration WINDOW = Duration.ofMinutes(1);
  private static final String OTHER = "";

  /** One source in the current window. */
  private static final class Source {
    final String address;
    int written;
    long dropped;

    Source(String address) {
      this.address = address;
    }
  }

  private final AuditLog next;
  private final Clock clock;
  private Instant windowEnd;
  private int written;
  private final Map<String, Source> sources = new HashMap<>();

  /** @param next where the lines go; not closed by this one (its owner closes it) */
  public BoundedDenialAudit(AuditLog next, Clock clock) {
    this.next = Objects.requireNonNull(next, "next");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void write(AuditEvent event) {
    if (!AuditEvent.TOKEN_DENIED.equals(event.event())) {
      next.write(event);
      return;
    }
    List<AuditEvent> summaries;
    boolean keep;
    synchronized (this) {
      summaries = roll(clock.instant(), false);
      String key = keyOf(event.remoteAddr());
      Source s = sources.get(key);
      if (s == null) {
        if (sources.size() >= MAX_SOURCES) key = OTHER;
        s = sources.computeIfAbsent(key, k -> new Source(k.equals(OTHER) ? null : event.remoteAddr()));
      }
      keep = s.written < PER_SOURCE && written < IN_TOTAL;
      if (keep) {
        s.written++;
        written++;
      } else {
        s.dropped++;
      }
    }
    for (AuditEvent e : summaries) next.write(e);
    if (keep) next.write(event);
  }

  /** Writes the summary of a window that is over and has not been summarised yet; a no-op otherwise. */
  public void flush() {
    summarise(false);
  }

  private void summarise(boolean evenIfRunning) {
    List<AuditEvent> summaries;
    synchronized (this) {
      summaries = roll(clock.instant(), evenIfRunning);
    }
    for (AuditEvent e : summaries) next.write(e);
  }

  /**
   * Starts a new window if the current one is over (or {@code evenIfRunning}), returning the summary lines of the
   * one that ended, stamped with its end (or now, when cut short).
   */
  private List<AuditEvent> roll(Instant now, boolean evenIfRunning) {
    if (windowEnd != null && now.isBefore(windowEnd) && !evenIfRunning) return List.of();
    List<AuditEvent> out = new ArrayList<>();
    if (windowEnd != null) {
      Instant end = now.isBefore(windowEnd) ? now : windowEnd;
      List<Source> dropped = new ArrayList<>();
      for (Source s : sources.values()) if (s.dropped > 0) dropped.add(s);
      dropped.sort(Comparator.comparingLong((Source s) -> s.dropped).reversed());
      long rest = 0;
      int named = 0;
      for (Source s : dropped) {
        if (s.address != null && named < MAX_SUMMARIES) {
          out.add(AuditEvent.of(end, AuditEvent.TOKEN_DENIED_DROPPED).request(null, s.address).count(s.dropped));
          named++;
        } else {
          rest += s.dropped;
        }
      }
      if (rest > 0) out.add(AuditEvent.of(end, AuditEvent.TOKEN_DENIED_DROPPED).count(rest));
    }
    sources.clear();
    written = 0;
    windowEnd = now.plus(WINDOW);
    return out;
  }

  /** The address an IPv4 source is counted under, or the /64 of an IPv6 one; unknown sources share one. */
  static String keyOf(String remoteAddr) {
    if (remoteAddr == null) return "?";
    byte[] b = Cidr.literal(remoteAddr);
    if (b == null) return "?";
    if (b.length == 4) return remoteAddr;
    StringBuilder k = new StringBuilder(24);
    for (int i = 0; i < 8; i++) k.append(String.format("%02x", b[i] & 0xff));
    return k.append("/64").toString();
  }

  /** Writes the summary of the current window, so that nothing dropped goes unmentioned at shutdown. */
  @Override
  public void close() {
    summarise(true);
  }
}
