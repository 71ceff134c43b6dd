package com.doit.idp.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.server.RequestContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Which audit lines get an admin request's id and address, and which pass unchanged. */
class RequestAuditLogTest {
  private final List<AuditEvent> written = new ArrayList<>();
  private final RequestAuditLog log = new RequestAuditLog(written::add);

  private static AuditEvent created() {
    return AuditEvent.of(Instant.EPOCH, AuditEvent.ROLE_CREATED).actor("admin-api");
  }

  @Test
  void linesWrittenDuringAnAdminActNameItsRequestAndLinesOutsideDoNot() throws Exception {
    log.write(created());
    log.during(new RequestContext("req-1", "192.0.2.1"), () -> {
      log.write(created());
      log.write(created().request("req-other", "198.51.100.1"));
      return null;
    });
    log.write(created());
    assertNull(written.get(0).requestId());
    assertEquals("req-1", written.get(1).requestId());
    assertEquals("192.0.2.1", written.get(1).remoteAddr());
    assertEquals("req-other", written.get(2).requestId(), "a line that names its request keeps it");
    assertNull(written.get(3).requestId());
  }

  @Test
  void anActThatFailsLeavesNoRequestBehindAndOtherThreadsSeeNone() throws Exception {
    assertThrows(IllegalStateException.class, () -> log.during(new RequestContext("req-2", "192.0.2.2"), () -> {
      throw new IllegalStateException("act failed");
    }));
    log.write(created());
    assertNull(written.get(0).requestId());
    log.during(new RequestContext("req-3", "192.0.2.3"), () -> {
      // the gc sweep on its own thread, while an admin act runs on this one
      CompletableFuture.runAsync(() -> log.write(created())).join();
      return null;
    });
    assertNull(written.get(1).requestId());
  }
}
