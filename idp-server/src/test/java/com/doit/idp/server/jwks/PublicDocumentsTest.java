package com.doit.idp.server.jwks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditLog;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The public documents' decisions, without HTTP. */
class PublicDocumentsTest {
  private static final RoleId ALICE = new RoleId("123456789012", "alice");
  private final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
  private final RoleNames names = new RoleNames("https://oidc.example.com", "DoiT-Support-", "sts.amazonaws.com");
  private final RoleDirectory directory = new RoleDirectory(store, clock, Duration.ofSeconds(30));
  private final RoleService roles = new RoleService(store, new RoleService.Settings(Duration.ofHours(24),
      Duration.ofDays(30), 100, Duration.ofSeconds(300), Duration.ofSeconds(300), SigningAlgorithm.RS256), clock,
      new AuditLog() {
        @Override
        public void write(com.doit.idp.audit.AuditEvent event) {}

        @Override
        public void close() {}
      }, names);
  private final PublicDocuments docs = new PublicDocuments(directory, names, clock, 100);

  @BeforeEach
  void createAlice() {
    roles.create(ALICE, Optional.empty(), Optional.empty(), "test");
    directory.refresh();
  }

  @Test
  void aDocumentIsRenderedOnceAndServedFromTheCache() {
    PublicDocuments.Document a = docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).orElseThrow();
    PublicDocuments.Document b = docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).orElseThrow();
    assertSame(a, b);
    assertEquals(PublicDocuments.etag(a.body()), a.etag());
  }

  @Test
  void aRotationPublishesTheNextKeyAndTheOldOneRetiresAfterItsLastTokenPlusOneMaxAge() {
    String before = docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).orElseThrow().etag();
    roles.rotate(ALICE, "test");
    directory.refresh();
    PublicDocuments.Document during = docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).orElseThrow();
    assertNotEquals(before, during.etag());
    // max-age (300 s) until the new key signs, then lifetime (300 s) + max-age (300 s) until the old one retires
    clock.advance(Duration.ofSeconds(900));
    directory.refresh();
    PublicDocuments.Document after = docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).orElseThrow();
    assertNotEquals(during.etag(), after.etag());
    assertTrue(new String(after.body()).split("\"kid\"").length == 2, "one key left");
  }

  @Test
  void unknownMalformedAndExpiredRolesAreAllEmpty() {
    assertTrue(docs.find("123456789012", "bob", PublicDocuments.Kind.DISCOVERY).isEmpty());
    assertTrue(docs.find("12345678901", "alice", PublicDocuments.Kind.DISCOVERY).isEmpty());
    assertTrue(docs.find("123456789012", "../alice", PublicDocuments.Kind.DISCOVERY).isEmpty());
    assertTrue(docs.find(null, null, PublicDocuments.Kind.DISCOVERY).isEmpty());
    clock.advance(Duration.ofHours(24).minusSeconds(10));
    directory.refresh();
    assertTrue(docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).isPresent());
    clock.advance(Duration.ofSeconds(10));
    assertTrue(docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS).isEmpty(),
        "expired by the clock at once, in a snapshot read while it was active");
  }

  @Test
  void aStaleDirectoryThrowsRatherThanAnsweringNotFound() {
    store.fail(true);
    clock.advance(Duration.ofSeconds(31));
    assertThrows(HsmException.class, () -> docs.find("123456789012", "alice", PublicDocuments.Kind.JWKS));
  }
}
