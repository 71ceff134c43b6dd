package com.doit.idp.server.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.HsmBusyException;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.MutableClock;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.JWSSigner;
import java.time.Duration;
import java.util.List;
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
  void aBusyHsmIsNotAnOutage() {
    directory.refresh();
    RoleKeyStore saturated = new RoleKeyStore() {
      @Override public RoleKey generate(KeyMetadata m) { return store.generate(m); }
      @Override public List<RoleKey> list() { return store.list(); }
      @Override public RoleKey relabel(RoleKey k, KeyMetadata m) { return store.relabel(k, m); }
      @Override public void delete(RoleKey k) { store.delete(k); }
      @Override public JWSSigner signer(RoleKey k) { return store.signer(k); }
      @Override public void ping() { throw new HsmBusyException("hsm busy"); }
      @Override public void close() {}
    };
    Readiness busy = new Readiness(saturated, directory, () -> true, clock, Duration.ofSeconds(1));
    assertTrue(busy.check().ready());
    assertTrue(busy.hsmUp());
  }

  @Test
  void notReadyUntilTheSsoKeysAreLoaded() {
    directory.refresh();
    Readiness noSso = new Readiness(store, directory, () -> false, clock, Duration.ofSeconds(1));
    assertEquals(Optional.of("the SSO signing keys are not loaded"), noSso.check().reason());
  }

  @Test
  void aStoppingServerIsNotReadyWhateverTheHsmSays() {
    directory.refresh();
    assertTrue(readiness.check().ready());
    readiness.markStopping();
    assertEquals(Optional.of("the server is stopping"), readiness.check().reason());
    assertTrue(readiness.hsmUp(), "the HSM is still up: it is the server that goes");
  }
}
