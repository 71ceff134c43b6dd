package com.doit.idp.server.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.MutableClock;
import com.doit.idp.role.RoleDirectory;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  final MutableClock clock = new MutableClock();
  final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  final RoleDirectory directory = new RoleDirectory(store, clock, Duration.ofSeconds(30));
  final Readiness readiness = new Readiness(store, directory, () -> true, clock, Duration.ofSeconds(1));

  @Test
  void theHsmIsPingedAtMostOncePerInterval() {
    directory.refresh();
    assertTrue(readiness.check().ready());
    store.fail(true);
    assertTrue(readiness.check().ready(), "the last ping is less than a second old");
    clock.advance(Duration.ofSeconds(1));
    Readiness.Status down = readiness.check();
    assertFalse(down.ready());
    assertEquals(Optional.of("the HSM does not answer"), down.reason());
    assertFalse(readiness.hsmUp());
  }

  @Test
  void whenTheHsmReturnsTheRolesAreReadAtOnceNotAtTheNextScheduledRefresh() {
    directory.refresh();
    store.fail(true);
    clock.advance(Duration.ofSeconds(31));
    assertFalse(readiness.check().ready());
    assertFalse(directory.isFresh());
    store.fail(false);
    clock.advance(Duration.ofSeconds(1));
    assertTrue(readiness.check().ready(), "no wait for the directory's own schedule");
    assertTrue(directory.isFresh());
  }

  @Test
  void notReadyUntilTheSsoKeysAreLoaded() {
    directory.refresh();
    Readiness noSso = new Readiness(store, directory, () -> false, clock, Duration.ofSeconds(1));
    assertEquals(Optional.of("the SSO signing keys are not loaded"), noSso.check().reason());
  }
}
