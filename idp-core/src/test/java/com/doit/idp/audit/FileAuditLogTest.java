package com.doit.idp.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {
  @TempDir Path dir;

  @Test
  void eachEventIsOneJsonLineReadableAtOnceWithoutEmptyFields() throws Exception {
    Path f = dir.resolve("var/audit.log");
    try (FileAuditLog log = new FileAuditLog(f)) {
      log.write(AuditEvent.of(Instant.parse("2026-11-27T10:00:00Z"), AuditEvent.TOKEN_ISSUED)
          .role("123456789012", "jane").kid("k1").jti("j1").request("r1", "127.0.0.1"));
      // written before close: a reader sees it at once
      List<String> lines = Files.readAllLines(f);
      assertEquals(1, lines.size());
      Map<String, Object> m = JSONObjectUtils.parse(lines.get(0));
      assertEquals("2026-11-27T10:00:00Z", m.get("ts"));
      assertEquals("token.issued", m.get("event"));
      assertEquals("jane", m.get("engineer"));
      assertEquals("r1", m.get("request_id"));
      assertEquals(false, m.containsKey("actor"));
      assertEquals(false, m.containsKey("count"));
    }
  }

  @Test
  void linesFromManyThreadsAndTwoWritersNeverInterleave() throws Exception {
    Path f = dir.resolve("audit.log");
    try (FileAuditLog a = new FileAuditLog(f); FileAuditLog b = new FileAuditLog(f)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < 400; i++) {
        FileAuditLog log = i % 2 == 0 ? a : b;
        String reason = "r".repeat(i % 50) + i;
        pool.submit(() -> log.write(AuditEvent.of(Instant.now(), AuditEvent.TOKEN_DENIED).reason(reason)));
      }
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    List<String> lines = Files.readAllLines(f);
    assertEquals(400, lines.size());
    for (String l : lines) JSONObjectUtils.parse(l);
  }

  @Test
  void linesQueuedWhileALineIsBeingWrittenGoOutTogetherInOneWrite() throws Exception {
    CountDownLatch firstWriteEntered = new CountDownLatch(1);
    CountDownLatch releaseFirstWrite = new CountDownLatch(1);
    List<String> writes = Collections.synchronizedList(new ArrayList<>());
    FileAuditLog.Sink sink = new FileAuditLog.Sink() {
      @Override
      public void write(ByteBuffer batch) {
        byte[] b = new byte[batch.remaining()];
        batch.get(b);
        writes.add(new String(b, StandardCharsets.UTF_8));
        if (writes.size() == 1) {
          firstWriteEntered.countDown();
          await(releaseFirstWrite);
        }
      }

      @Override
      public void close() {}
    };
    FileAuditLog log = new FileAuditLog(sink);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> done = new ArrayList<>();
      done.add(pool.submit(() -> log.write(event("first"))));
      assertTrue(firstWriteEntered.await(10, TimeUnit.SECONDS));
      for (int i = 0; i < 5; i++) {
        String r = "queued-" + i;
        done.add(pool.submit(() -> log.write(event(r))));
      }
      for (int i = 0; i < 200 && log.queued() < 5; i++) Thread.sleep(10);
      assertEquals(5, log.queued(), "five lines wait while the first is being written");
      for (int i = 1; i < done.size(); i++) assertFalse(done.get(i).isDone(), "a caller returned before its line was written");
      releaseFirstWrite.countDown();
      for (Future<?> f : done) f.get(10, TimeUnit.SECONDS);
    } finally {
      releaseFirstWrite.countDown();
      pool.shutdownNow();
    }
    assertEquals(2, writes.size(), "one write for the first line, one for the five queued behind it: " + writes);
    assertEquals(5, writes.get(1).lines().count(), writes.get(1));
    for (String l : writes.get(1).split("\n")) JSONObjectUtils.parse(l);
  }

  @Test
  void aFileRenamedAndCreatedAgainAsLogrotateDoesIsFollowedWithoutLosingOrSplittingALine() throws Exception {
    Path f = dir.resolve("audit.log");
    Path rotated = dir.resolve("audit.log.1");
    Run run = new Run(f);
    run.writeWhile(() -> {
      Files.move(f, rotated, StandardCopyOption.ATOMIC_MOVE);
      Files.createFile(f); // logrotate's "create"
    });
    Map<String, Integer> inRotated = run.linesOf(rotated);
    Map<String, Integer> inLive = run.linesOf(f);
    run.assertEveryLineExactlyOnce(inRotated, inLive);
    for (String line : run.startedAfterTheChange()) {
      assertTrue(inLive.containsKey(line), line + " was written after the rotation but not to the new file");
    }
    assertFalse(run.startedAfterTheChange().isEmpty(), "lines were written after the rotation");
  }

  @Test
  void aFileCopiedThenTruncatedInPlaceKeepsEveryLaterLineWholeAtItsStart() throws Exception {
    Path f = dir.resolve("audit.log");
    Path copy = dir.resolve("audit.log.1");
    Run run = new Run(f);
    run.writeWhile(() -> {
      Files.copy(f, copy); // logrotate's "copytruncate": copy, then truncate the live file
      try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
        c.truncate(0);
      }
    });
    byte[] live = Files.readAllBytes(f);
    for (byte b : live) assertTrue(b != 0, "a hole of NUL bytes where the truncated file was appended to");
    Map<String, Integer> inCopy = run.linesOf(copy);
    Map<String, Integer> inLive = run.linesOf(f);
    // copytruncate loses what is appended between the copy and the truncation (logrotate's own caveat): only
    // lines finished before the copy must be in the copy, and lines begun after the truncation in the live file
    for (String line : run.finishedBeforeTheChange()) assertTrue(inCopy.containsKey(line), line + " not in the copy");
    for (String line : run.startedAfterTheChange()) assertTrue(inLive.containsKey(line), line + " not in the file");
    for (Map<String, Integer> m : List.of(inCopy, inLive)) {
      for (Map.Entry<String, Integer> e : m.entrySet()) assertEquals(1, e.getValue(), e.getKey() + " twice");
    }
  }

  @Test
  void aFullDiskIsAnAuditLogExceptionThatNamesTheCause() {
    Path full = Path.of("/dev/full"); // every write to it fails with ENOSPC, as on a full disk
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "/dev/full is writable");
    try (FileAuditLog log = new FileAuditLog(full)) {
      AuditLogException e = assertThrows(AuditLogException.class, () -> log.write(event("x")));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      // and it stays usable: the next line fails the same way, it does not hang or break
      assertThrows(AuditLogException.class, () -> log.write(event("y")));
    }
  }

  @Test
  void theDashWritesEachLineToStandardOutput() throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, false, StandardCharsets.UTF_8));
      try (FileAuditLog log = new FileAuditLog(Path.of("-"))) {
        log.write(event("to-stdout"));
      }
    } finally {
      System.setOut(saved);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals("to-stdout", JSONObjectUtils.parse(out.strip()).get("reason"));
    assertTrue(out.endsWith("\n"));
    assertFalse(Files.exists(Path.of("-")), "no file named '-'");
  }

  private static AuditEvent event(String reason) {
    return AuditEvent.of(Instant.parse("2026-11-27T10:00:00Z"), AuditEvent.TOKEN_DENIED).reason(reason)
        .request("req", "192.0.2.1");
  }

  private static void await(CountDownLatch l) {
    try {
      if (!l.await(30, TimeUnit.SECONDS)) throw new AssertionError("not released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Four threads writing numbered lines through one log while the file is changed under them. Every call is
   * stamped from one counter before and after it, and the change between two stamps, so the test knows which lines
   * began after the change finished and which finished before it began.
   */
  private static final class Run {
    final Path file;
    final AtomicLong clock = new AtomicLong();
    final Map<String, long[]> stamps = Collections.synchronizedMap(new HashMap<>());
    long changeStart;
    long changeEnd;

    Run(Path file) {
      this.file = file;
    }

    interface Change {
      void run() throws IOException;
    }

    void writeWhile(Change change) throws Exception {
      int threads = 4;
      int perThread = 1500;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try (FileAuditLog log = new FileAuditLog(file)) {
        CountDownLatch halfway = new CountDownLatch(threads);
        CountDownLatch changed = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < perThread; i++) {
              if (i == perThread / 3) halfway.countDown();
              if (i == perThread * 2 / 3) await(changed); // some lines surely come after the change
              String reason = "t" + id + "-" + i + "-" + "x".repeat(i % 90);
              long start = clock.incrementAndGet();
              log.write(event(reason));
              stamps.put(reason, new long[] {start, clock.incrementAndGet()});
            }
            return null;
          }));
        }
        assertTrue(halfway.await(30, TimeUnit.SECONDS));
        changeStart = clock.incrementAndGet();
        change.run();
        changeEnd = clock.incrementAndGet();
        changed.countDown();
        for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
    }

    /** Each line of {@code f} (its reason) with how often it occurs; fails on any line that is not whole JSON. */
    Map<String, Integer> linesOf(Path f) throws IOException {
      Map<String, Integer> m = new HashMap<>();
      String text = Files.readString(f, StandardCharsets.UTF_8);
      if (!text.isEmpty()) assertTrue(text.endsWith("\n"), "the last line of " + f + " is cut");
      for (String line : text.split("\n")) {
        if (line.isEmpty()) continue;
        try {
          m.merge((String) JSONObjectUtils.parse(line).get("reason"), 1, Integer::sum);
        } catch (ParseException e) {
          throw new AssertionError("a split or mixed line in " + f + ": " + line);
        }
      }
      return m;
    }

    void assertEveryLineExactlyOnce(Map<String, Integer> a, Map<String, Integer> b) {
      Set<String> seen = new HashSet<>();
      for (Map<String, Integer> m : List.of(a, b)) {
        for (Map.Entry<String, Integer> e : m.entrySet()) {
          assertEquals(1, e.getValue(), e.getKey() + " written twice");
          assertTrue(seen.add(e.getKey()), e.getKey() + " in both files");
        }
      }
      Set<String> missing = new HashSet<>(stamps.keySet());
      missing.removeAll(seen);
      assertTrue(missing.isEmpty(), missing.size() + " lines lost, e.g. " + missing.stream().limit(3).toList());
    }

    List<String> startedAfterTheChange() {
      synchronized (stamps) {
        return stamps.entrySet().stream().filter(e -> e.getValue()[0] > changeEnd).map(Map.Entry::getKey).toList();
      }
    }

    List<String> finishedBeforeTheChange() {
      synchronized (stamps) {
        return stamps.entrySet().stream().filter(e -> e.getValue()[1] < changeStart).map(Map.Entry::getKey).toList();
      }
    }
  }
}
