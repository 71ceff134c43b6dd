package com.doit.idp.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.doit.idp.role.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedDenialAuditTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
  private final List<AuditEvent> written = Collections.synchronizedList(new ArrayList<>());
  private final BoundedDenialAudit audit = new BoundedDenialAudit(written::add, clock);

  private void deny(String from) {
    audit.write(AuditEvent.of(clock.instant(), AuditEvent.TOKEN_DENIED).reason("malformed_body").request("r", from));
  }

  private List<AuditEvent> of(String event) {
    return written.stream().filter(e -> e.event().equals(event)).toList();
  }

  @Test
  void oneSourceGetsTenLinesAMinuteAndTheRestIsSummarisedWhenTheMinuteIsOver() {
    for (int i = 0; i < 25; i++) deny("192.0.2.7");
    assertEquals(BoundedDenialAudit.PER_SOURCE, of(AuditEvent.TOKEN_DENIED).size());
    assertEquals(0, of(AuditEvent.TOKEN_DENIED_DROPPED).size(), "no summary while the minute runs");
    clock.advance(Duration.ofSeconds(61));
    deny("192.0.2.7");
    List<AuditEvent> summary = of(AuditEvent.TOKEN_DENIED_DROPPED);
    assertEquals(1, summary.size());
    assertEquals("192.0.2.7", summary.get(0).remoteAddr());
    assertEquals(15L, summary.get(0).count());
    assertEquals(Instant.parse("2026-11-27T10:01:00Z"), summary.get(0).ts(), "stamped with the minute's end");
    assertEquals(AuditEvent.TOKEN_DENIED_DROPPED, written.get(written.size() - 2).event(), "summary first");
    assertEquals(BoundedDenialAudit.PER_SOURCE + 1, of(AuditEvent.TOKEN_DENIED).size(), "a new minute, new lines");
  }

  @Test
  void otherSourcesKeepTheirOwnLinesWhileOneIsNoisy() {
    for (int i = 0; i < 100; i++) deny("192.0.2.7");
    deny("198.51.100.1");
    deny("2001:db8::1");
    assertEquals(BoundedDenialAudit.PER_SOURCE + 2, of(AuditEvent.TOKEN_DENIED).size());
  }

  @Test
  void anIpv6SourceIsCountedByItsSlash64() {
    for (int i = 0; i < 30; i++) deny("2001:db8:0:1::" + Integer.toHexString(i + 1));
    deny("2001:db8:0:2::1");
    assertEquals(BoundedDenialAudit.PER_SOURCE + 1, of(AuditEvent.TOKEN_DENIED).size());
  }

  @Test
  void manySourcesTogetherAreBoundedAndSummarisedInAFewLines() {
    for (int i = 0; i < 500; i++) deny("10.0." + (i / 250) + "." + (i % 250));
    assertEquals(BoundedDenialAudit.IN_TOTAL, of(AuditEvent.TOKEN_DENIED).size());
    clock.advance(Duration.ofMinutes(1));
    audit.flush();
    List<AuditEvent> summary = of(AuditEvent.TOKEN_DENIED_DROPPED);
    assertEquals(BoundedDenialAudit.MAX_SUMMARIES + 1, summary.size(), "twenty sources named, one line for the rest");
    long total = summary.stream().mapToLong(AuditEvent::count).sum();
    assertEquals(200, total, "every dropped line is counted");
    assertNull(summary.get(summary.size() - 1).remoteAddr(), "the last line sums the sources not named");
  }

  @Test
  void otherEventsAreNeverDropped() {
    for (int i = 0; i < 50; i++) {
      audit.write(AuditEvent.of(clock.instant(), AuditEvent.TOKEN_ISSUED).request("r", "192.0.2.7"));
    }
    assertEquals(50, written.size());
  }

  @Test
  void closingWritesTheSummaryOfTheMinuteSoFar() {
    for (int i = 0; i < 12; i++) deny("192.0.2.7");
    audit.close();
    List<AuditEvent> summary = of(AuditEvent.TOKEN_DENIED_DROPPED);
    assertEquals(1, summary.size());
    assertEquals(2L, summary.get(0).count());
  }

  @Test
  void aFlushWithinTheMinuteWritesNothing() {
    for (int i = 0; i < 12; i++) deny("192.0.2.7");
    clock.advance(Duration.ofSeconds(30));
    audit.flush();
    assertEquals(0, of(AuditEvent.TOKEN_DENIED_DROPPED).size());
  }
}
