package com.doit.idp.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
}
