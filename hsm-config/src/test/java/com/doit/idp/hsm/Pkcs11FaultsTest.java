package com.doit.idp.hsm;

import com.doit.idp.role.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The session pool's limits and recovery from a lost HSM, on real SoftHSM2 tokens. */
class Pkcs11FaultsTest {
  private final Instant now = Instant.ofEpochSecond(1_800_000_000L);

  private KeyMetadata metadata(String account, String engineer, SigningAlgorithm alg) {
    return new KeyMetadata(new RoleId(account, engineer), alg, now, Optional.empty(), now.plusSeconds(86_400));
  }

  private static SignedJWT sign(Pkcs11RoleKeyStore store, RoleKey key, String subject) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm().jws()).keyID(key.kid()).build(),
        new JWTClaimsSet.Builder().subject(subject).build());
    jwt.sign(store.signer(key));
    return jwt;
  }

  private static JWSVerifier verifier(RoleKey key) throws JOSEException {
    return key.publicJwk().getKeyType() == KeyType.RSA
        ? new RSASSAVerifier(key.publicJwk().toRSAKey())
        : new ECDSAVerifier(key.publicJwk().toECKey());
  }

  private static HsmException hsmFailure(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof HsmException h) return h;
      }
      fail("expected an HsmException, got " + e);
    }
    return fail("expected an HsmException, nothing was thrown");
  }

  @Test
  void manyThreadsSignConcurrentlyThroughASmallPool() throws Exception {
    String account = SoftHsmToken.uniqueAccount();
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(SoftHsmToken.shared(2), new MutableClock(),
        Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(8))) {
      RoleKey rs = store.generate(metadata(account, "alice", SigningAlgorithm.RS256));
      RoleKey es = store.generate(metadata(account, "bob", SigningAlgorithm.ES256));
      ExecutorService pool = Executors.newFixedThreadPool(12);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
          RoleKey key = i % 2 == 0 ? rs : es;
          String subject = "call-" + i;
          results.add(pool.submit(() -> {
            SignedJWT jwt = sign(store, key, subject);
            return jwt.verify(verifier(key)) && subject.equals(jwt.getJWTClaimsSet().getSubject());
          }));
        }
        for (Future<Boolean> r : results) assertTrue(r.get(60, TimeUnit.SECONDS));
      } finally {
        pool.shutdownNow();
      }
      assertTrue(store.isUp());
    }
  }

  @Test
  void aSaturatedPoolFailsFastWithHsmBusyAndStaysUp() throws Exception {
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(SoftHsmToken.shared(1), new MutableClock(),
        Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(8))) {
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> store.withSession("hold", (p, s) -> {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }));
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      try {
        // The only session is taken: the caller gets an answer after the borrow timeout, not a thread parked forever.
        CompletableFuture<HsmException> busy = CompletableFuture.supplyAsync(() -> hsmFailure(store::ping));
        HsmException e = busy.get(30, TimeUnit.SECONDS);
        assertEquals("hsm busy", e.getMessage());
        assertTrue(store.isUp(), "a busy pool is not an outage");
      } finally {
        release.countDown();
      }
      holder.get(30, TimeUnit.SECONDS);
      store.ping();
    }
  }

  @Test
  void theSameStoreRecoversWhenTheTokenComesBackWithoutANewJvm() throws Exception {
    IdpConfig.Hsm config = SoftHsmToken.disposable();
    String pin = new String(config.pin().reveal());
    String account = SoftHsmToken.uniqueAccount();
    MutableClock clock = new MutableClock();
    Path tokenDir = SoftHsmToken.disposableTokenDirectory();
    // Outside SoftHSM2's token directory: a renamed directory inside it would still be found as the same token.
    Path away = SoftHsmToken.softHsmDirectory().resolve("away-" + tokenDir.getFileName());

    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(config, clock, Duration.ofSeconds(2), Duration.ofSeconds(5),
             Duration.ofSeconds(40));
         Pkcs11RoleKeyStore neighbour = new Pkcs11RoleKeyStore(SoftHsmToken.shared())) {
      RoleKey rs = store.generate(metadata(account, "alice", SigningAlgorithm.RS256));
      RoleKey es = store.generate(metadata(account, "bob", SigningAlgorithm.ES256));
      RoleKey neighbourKey = neighbour.generate(metadata(account, "carol", SigningAlgorithm.ES256));
      assertTrue(store.isUp());

      Files.move(tokenDir, away);
      try {
        List<HsmException> failures = new ArrayList<>();
        failures.add(hsmFailure(store::ping));
        assertFalse(store.isUp());
        // An outage must never read as "no keys" or "deleted": list, sign, delete all fail.
        failures.add(hsmFailure(store::list));
        failures.add(hsmFailure(() -> {
          try {
            sign(store, rs, "alice");
          } catch (JOSEException e) {
            throw new IllegalStateException(e);
          }
        }));
        failures.add(hsmFailure(() -> store.delete(es)));
        failures.add(hsmFailure(() -> store.generate(metadata(account, "dan", SigningAlgorithm.ES256))));
        assertFalse(store.isUp());
        for (HsmException e : failures) {
          assertFalse(e.getMessage().contains(pin), "no PIN in " + e.getMessage());
          assertTrue(e.getMessage().matches("[a-z ]+(: |\\().*"), e.getMessage());
        }
      } finally {
        Files.move(away, tokenDir);
      }

      // Within the backoff the store answers at once without touching the HSM.
      HsmException waiting = hsmFailure(store::ping);
      assertTrue(waiting.getMessage().startsWith("hsm down"), waiting.getMessage());
      assertFalse(store.isUp());

      clock.advance(Duration.ofSeconds(41));
      store.ping();
      assertTrue(store.isUp());
      assertEquals(Set.of(rs.kid(), es.kid()), store.list().stream()
          .filter(k -> k.role().account().equals(account)).map(RoleKey::kid).collect(Collectors.toSet()));
      // Keys obtained before the outage sign again: the handles were refreshed on reconnect.
      assertTrue(sign(store, rs, "alice").verify(verifier(rs)));
      assertTrue(sign(store, es, "bob").verify(verifier(es)));

      // Another store of this JVM on another token lost its sessions to our reinitialisation and recovers alone.
      assertTrue(sign(neighbour, neighbourKey, "carol").verify(verifier(neighbourKey)));
      assertTrue(neighbour.isUp());
    }
  }

  @Test
  void callersFailFastWhileAnotherThreadReconnects() throws Exception {
    IdpConfig.Hsm config = SoftHsmToken.disposable();
    Path tokenDir = SoftHsmToken.disposableTokenDirectory();
    Path away = SoftHsmToken.softHsmDirectory().resolve("away-" + tokenDir.getFileName());
    Pkcs11Library library = Pkcs11Library.get(config.library());
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(config, new MutableClock(), Duration.ofSeconds(2),
             Duration.ofSeconds(5), Duration.ofSeconds(40));
         Pkcs11RoleKeyStore neighbour = new Pkcs11RoleKeyStore(SoftHsmToken.shared())) {
      Files.move(tokenDir, away);
      try {
        hsmFailure(store::ping);
      } finally {
        Files.move(away, tokenDir);
      }
      assertFalse(store.isUp());

      // A neighbour's call is in flight, so our reconnect's C_Finalize has to wait for it to finish.
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Future<?> inFlight = threads.submit(() -> neighbour.withSession("hold", (p, s) -> {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }));
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      CompletableFuture<Thread> reconnecter = new CompletableFuture<>();
      Future<?> reconnect = threads.submit(() -> {
        reconnecter.complete(Thread.currentThread());
        store.ping();
      });
      Thread r = reconnecter.get(30, TimeUnit.SECONDS);
      try {
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); !library.isWaiting(r); ) {
          if (System.nanoTime() > deadline) fail("the reconnect never reached the library's lock: " + outcome(reconnect));
          Thread.onSpinWait();
        }

        // Meanwhile every other caller gets an answer at once instead of queueing behind the reconnect.
        HsmException e = hsmFailure(store::ping);
        assertEquals("hsm down (reconnecting)", e.getMessage());
      } finally {
        release.countDown();
      }
      inFlight.get(30, TimeUnit.SECONDS);
      reconnect.get(30, TimeUnit.SECONDS);
      assertTrue(store.isUp());
      neighbour.ping();
      assertTrue(neighbour.isUp());
    } finally {
      threads.shutdownNow();
    }
  }

  private static String outcome(Future<?> f) {
    try {
      return String.valueOf(f.get(1, TimeUnit.SECONDS));
    } catch (Exception e) {
      return e.toString();
    }
  }

  @Test
  void aClosedStoreRefusesCalls() {
    Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
    store.close();
    store.close();
    assertThrows(HsmException.class, store::ping);
    assertFalse(store.isUp());
  }

  @Test
  void aTokenLabelThatIsNotThereLeavesTheStoreDownWithAClearError() {
    IdpConfig.Hsm shared = SoftHsmToken.shared();
    IdpConfig.Hsm wrong = new IdpConfig.Hsm(shared.library(), "no-such-token", shared.pin(), 1);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(wrong, new MutableClock(), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(10))) {
      assertFalse(store.isUp());
      HsmException e = hsmFailure(store::ping);
      assertTrue(e.getMessage().contains("no token labelled 'no-such-token'"), e.getMessage());
    }
  }
}
