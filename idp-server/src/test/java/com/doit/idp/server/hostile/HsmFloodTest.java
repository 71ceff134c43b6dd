package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A flood of valid token requests against a real SoftHSM2 token with a pool of 2 sessions: the pool bounds the
 * concurrent HSM work, a request that finds no free session in time gets {@code 503 temporarily_unavailable} with
 * {@code Retry-After} (never a 500, never a hang), every request is audited, and once the flood is over the pool is
 * whole: readiness is 200 and tokens are minted again.
 */
class HsmFloodTest {
  @Test
  void aFloodOfValidRequestsGetsTokensOr503AndLeavesTheSessionPoolWhole() throws Exception {
    String account = SoftHsmToken.uniqueAccount();
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(SoftHsmToken.shared(2), Clock.systemUTC(),
        Duration.ofMillis(5), Pkcs11RoleKeyStore.DEFAULT_MIN_BACKOFF, Pkcs11RoleKeyStore.DEFAULT_MAX_BACKOFF);
        IdpUnderTest idp = IdpUnderTest.start(store, Map.of("IDP_HSM_SESSIONS", "2"))) {
      idp.createRole(account, "flood", SigningAlgorithm.RS256);
      byte[] request = RawHttp.request("POST", "/token", Map.of("Content-Type", "application/x-www-form-urlencoded"),
          IdpUnderTest.exchangeForm(idp.sso().tokenFor("flood"), idp.roleArn(account, "flood"))
              .getBytes(StandardCharsets.UTF_8));
      int threads = 48;
      int perThread = 6;
      int auditBefore = idp.auditLines().size();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<RawHttp.Response>>> results = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          results.add(pool.submit(() -> {
            go.await();
            List<RawHttp.Response> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) mine.add(idp.http("token").send(request));
            return mine;
          }));
        }
        go.countDown();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Future<List<RawHttp.Response>> f : results) {
          for (RawHttp.Response r : f.get()) {
            statuses.merge(r.status(), 1, Integer::sum);
            Catalogue.assertNoLeak(r, r.toString());
            if (r.status() == 503) {
              assertEquals("temporarily_unavailable", Catalogue.json(r, r.toString()).get("error"), r.toString());
              assertTrue(r.header("retry-after") != null, r.toString());
            } else {
              assertEquals(200, r.status(), r.toString());
            }
          }
        }
        System.out.println("HSM flood (2 sessions, " + threads * perThread + " requests): " + statuses);
        assertTrue(statuses.getOrDefault(200, 0) > 0, statuses.toString());
        assertEquals(threads * perThread, idp.auditLines().size() - auditBefore, "one audit line per request");
      } finally {
        pool.shutdownNow();
      }
      RawHttp.Response ready = idp.http("management").send(Catalogue.get("/readyz"));
      assertEquals(200, ready.status(), ready.toString());
      for (int i = 0; i < 5; i++) {
        assertEquals(200, idp.http("token").send(request).status(), "the pool is whole after the flood");
      }
      idp.revoke(account, "flood");
    }
  }
}
