package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleDirectoryTest {
  final MutableClock clock = MutableClock.at("2026-11-27T10:00:00Z");
  final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  final RoleService service = new RoleService(store,
      new RoleService.Settings(Duration.ofHours(24), Duration.ofDays(30), 100, Duration.ofSeconds(300),
          Duration.ofSeconds(300), SigningAlgorithm.ES256),
      clock, e -> {}, new RoleNames("https://oidc.example.com", "DoiT-Support-", "sts.amazonaws.com"));
  final RoleDirectory directory = new RoleDirectory(store, clock, Duration.ofSeconds(30));

  @Test
  void itAnswersFromItsSnapshotUntilRefreshed() {
    RoleId jane = RoleId.parse("123456789012/jane");
    directory.refresh();
    service.create(jane, Optional.empty(), Optional.empty(), "t");
    assertEquals(Optional.empty(), directory.active(jane));
    directory.refresh();
    assertTrue(directory.active(jane).isPresent());
    assertEquals(1, directory.activeFor("jane").size());
    assertEquals(List.of(), directory.activeFor("bob"));
    assertEquals(1, directory.activeCount());
  }

  @Test
  void expiryIsExactWhateverTheSnapshotsAge() {
    RoleId jane = RoleId.parse("123456789012/jane");
    service.create(jane, Optional.of(Duration.ofSeconds(20)), Optional.empty(), "t");
    directory.refresh();
    clock.advance(Duration.ofSeconds(19));
    assertTrue(directory.active(jane).isPresent());
    clock.advance(Duration.ofSeconds(1));
    assertFalse(directory.active(jane).isPresent());
  }

  @Test
  void aSnapshotOlderThanTheCacheTtlIsNotServed() {
    RoleId jane = RoleId.parse("123456789012/jane");
    service.create(jane, Optional.empty(), Optional.empty(), "t");
    assertThrows(HsmException.class, () -> directory.active(jane), "nothing loaded yet");
    directory.refresh();
    store.fail(true);
    assertThrows(HsmException.class, directory::refresh);
    clock.advance(Duration.ofSeconds(30));
    assertTrue(directory.active(jane).isPresent(), "still within the cache TTL");
    assertTrue(directory.isFresh());
    clock.advance(Duration.ofSeconds(1));
    assertFalse(directory.isFresh());
    assertThrows(HsmException.class, () -> directory.active(jane));
    store.fail(false);
    directory.refresh();
    assertTrue(directory.active(jane).isPresent());
  }
}
