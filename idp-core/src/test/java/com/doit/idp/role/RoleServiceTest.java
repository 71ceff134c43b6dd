package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoleServiceTest {
  static final Duration MAX_AGE = Duration.ofSeconds(300);
  static final Duration LIFETIME = Duration.ofSeconds(300);
  static final RoleId JANE = RoleId.parse("123456789012/jane");

  final MutableClock clock = MutableClock.at("2026-11-27T10:00:00Z");
  final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
  RoleService service;

  @BeforeEach
  void setUp() {
    service = service(3);
  }

  RoleService service(int maxActive) {
    AuditLog log = audit::add;
    return new RoleService(store,
        new RoleService.Settings(Duration.ofHours(24), Duration.ofDays(30), maxActive, MAX_AGE, LIFETIME, SigningAlgorithm.RS256),
        clock, log, new RoleNames("https://oidc.example.com", "DoiT-Support-", "sts.amazonaws.com"));
  }

  @Test
  void aNewRoleHasOneActiveKeyAndTheDefaultWindow() {
    SupportRole r = service.create(JANE, Optional.empty(), Optional.of(SigningAlgorithm.ES256), "test");
    assertEquals(1, r.keys().size());
    assertEquals(KeyState.ACTIVE, r.stateOf(r.keys().get(0), clock.instant()));
    assertEquals(SigningAlgorithm.ES256, r.keys().get(0).algorithm());
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), r.expiresAt());
    assertEquals(AuditEvent.ROLE_CREATED, audit.get(0).event());
    assertEquals("test", audit.get(0).actor());
  }

  @Test
  void creatingAnExistingRoleIsAConflict() {
    service.create(JANE, Optional.empty(), Optional.empty(), "test");
    RoleException e = assertThrows(RoleException.class, () -> service.create(JANE, Optional.empty(), Optional.empty(), "test"));
    assertEquals(RoleException.Kind.CONFLICT, e.kind());
    assertEquals(1, store.list().size());
  }

  @Test
  void aTtlOverTheMaximumIsRefused() {
    RoleException e = assertThrows(RoleException.class,
        () -> service.create(JANE, Optional.of(Duration.ofDays(31)), Optional.empty(), "test"));
    assertEquals(RoleException.Kind.INVALID, e.kind());
    service.create(JANE, Optional.of(Duration.ofDays(30)), Optional.empty(), "test");
  }

  @Test
  void maxActiveAllowsExactlyThatManyRoles() {
    for (int i = 0; i < 3; i++) service.create(new RoleId("12345678901" + i, "jane"), Optional.empty(), Optional.empty(), "t");
    RoleException e = assertThrows(RoleException.class,
        () -> service.create(new RoleId("123456789019", "jane"), Optional.empty(), Optional.empty(), "t"));
    assertEquals(RoleException.Kind.CAPACITY, e.kind());
    assertEquals(3, store.list().size());
    // expired roles do not count against the limit
    clock.advance(Duration.ofHours(24));
    service.create(new RoleId("123456789019", "jane"), Optional.empty(), Optional.empty(), "t");
  }

  @Test
  void aRoleIsExpiredAtItsExpiryInstantNotBefore() {
    SupportRole r = service.create(JANE, Optional.of(Duration.ofHours(1)), Optional.empty(), "t");
    clock.advance(Duration.ofHours(1).minusSeconds(1));
    assertTrue(service.find(JANE).orElseThrow().isActive(clock.instant()));
    clock.advance(Duration.ofSeconds(1));
    SupportRole later = service.find(JANE).orElseThrow();
    assertFalse(later.isActive(clock.instant()));
    assertEquals(List.of(), later.publishedKeys(clock.instant()));
    assertEquals(Optional.empty(), later.signingKey(clock.instant()));
    assertEquals(r.expiresAt(), clock.instant());
  }

  @Test
  void extendMovesTheWindowFromNowAndRefusesExpiredRoles() {
    service.create(JANE, Optional.of(Duration.ofHours(1)), Optional.empty(), "t");
    clock.advance(Duration.ofMinutes(30));
    SupportRole r = service.extend(JANE, Duration.ofHours(2), "t");
    assertEquals(clock.instant().plus(Duration.ofHours(2)), r.expiresAt());
    assertEquals(r.expiresAt(), service.find(JANE).orElseThrow().expiresAt());
    assertThrows(RoleException.class, () -> service.extend(JANE, Duration.ofDays(31), "t"));
    clock.advance(Duration.ofHours(2));
    RoleException e = assertThrows(RoleException.class, () -> service.extend(JANE, Duration.ofHours(1), "t"));
    assertEquals(RoleException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void rotationPublishesTheNewKeyAtOnceAndSignsWithItOnlyAfterOneMaxAge() {
    SupportRole first = service.create(JANE, Optional.empty(), Optional.empty(), "t");
    String oldKid = first.keys().get(0).kid();
    Instant t0 = clock.instant();
    SupportRole rotated = service.rotate(JANE, "t");
    String newKid = rotated.keys().stream().map(RoleKey::kid).filter(k -> !k.equals(oldKid)).findFirst().orElseThrow();

    SupportRole r = service.find(JANE).orElseThrow();
    assertEquals(List.of(oldKid, newKid), r.publishedKeys(t0).stream().map(RoleKey::kid).toList());
    assertEquals(oldKid, r.signingKey(t0).orElseThrow().kid());
    assertEquals(oldKid, r.signingKey(t0.plus(MAX_AGE).minusSeconds(1)).orElseThrow().kid());
    // one max-age later the new key signs; the old one is still published
    Instant switchAt = t0.plus(MAX_AGE);
    assertEquals(newKid, r.signingKey(switchAt).orElseThrow().kid());
    assertEquals(2, r.publishedKeys(switchAt).size());
    assertEquals(KeyState.RETIRING, r.stateOf(r.keys().get(0), switchAt));
    // the old key's last token (signed just before the switch) expires at switch + lifetime; plus one max-age
    Instant retire = switchAt.plus(LIFETIME).plus(MAX_AGE);
    assertEquals(2, r.publishedKeys(retire.minusSeconds(1)).size());
    assertEquals(List.of(newKid), r.publishedKeys(retire).stream().map(RoleKey::kid).toList());
    assertEquals(KeyState.RETIRED, r.stateOf(r.keys().get(0), retire));
  }

  @Test
  void aSecondRotationIsRefusedUntilTheFirstHasRetiredItsKey() {
    service.create(JANE, Optional.empty(), Optional.empty(), "t");
    service.rotate(JANE, "t");
    RoleException e = assertThrows(RoleException.class, () -> service.rotate(JANE, "t"));
    assertEquals(RoleException.Kind.CONFLICT, e.kind());
    clock.advance(MAX_AGE.plus(LIFETIME).plus(MAX_AGE));
    SupportRole again = service.rotate(JANE, "t");
    assertEquals(2, again.keys().size());
    assertEquals(2, store.list().size(), "the retired key was deleted when the next rotation began");
  }

  @Test
  void aFailedRotationLeavesTheRoleAsItWas() {
    service.create(JANE, Optional.empty(), Optional.empty(), "t");
    List<RoleKey> before = store.list();
    store.fail(true);
    assertThrows(HsmException.class, () -> service.rotate(JANE, "t"));
    store.fail(false);
    assertEquals(before, store.list());
  }

  @Test
  void revokeDeletesEveryKeyAndAuditsIt() {
    service.create(JANE, Optional.empty(), Optional.empty(), "t");
    service.rotate(JANE, "t");
    service.revoke(JANE, "ops");
    assertEquals(List.of(), store.list());
    assertEquals(2, audit.stream().filter(a -> a.event().equals(AuditEvent.KEY_DELETED)).count());
    assertTrue(audit.stream().anyMatch(a -> a.event().equals(AuditEvent.ROLE_REVOKED) && a.actor().equals("ops")));
    assertThrows(RoleException.class, () -> service.revoke(JANE, "ops"));
  }

  @Test
  void gcDeletesExpiredRolesAndRetiredKeysAndADryRunDeletesNothing() {
    RoleId bob = RoleId.parse("123456789012/bob");
    service.create(JANE, Optional.of(Duration.ofHours(1)), Optional.empty(), "t");
    service.create(bob, Optional.of(Duration.ofHours(5)), Optional.empty(), "t");
    service.rotate(bob, "t");
    clock.advance(Duration.ofHours(1));
    RoleService.GcReport dry = service.gc(true, "t");
    assertEquals(List.of(JANE), dry.expiredRoles());
    assertEquals(2, dry.deletedKeys().size(), "jane's key and bob's retired key");
    assertEquals(3, store.list().size());
    RoleService.GcReport real = service.gc(false, "t");
    assertEquals(dry.expiredRoles(), real.expiredRoles());
    assertEquals(1, store.list().size());
    assertEquals(bob, store.list().get(0).role());
    assertTrue(audit.stream().anyMatch(a -> a.event().equals(AuditEvent.ROLE_EXPIRED) && "jane".equals(a.engineer())));
    assertEquals(0, service.gc(false, "t").deletedKeys().size());
  }

  @Test
  void aRoleNameLongerThanIamAllowsIsRefused() {
    RoleService longPrefix = new RoleService(store, service.settings(), clock, e -> {}, 
        new RoleNames("https://oidc.example.com", "DoiT-Support-X", "sts.amazonaws.com"));
    RoleException e = assertThrows(RoleException.class,
        () -> longPrefix.create(new RoleId("123456789012", "a".repeat(51)), Optional.empty(), Optional.empty(), "t"));
    assertEquals(RoleException.Kind.INVALID, e.kind());
  }
}
