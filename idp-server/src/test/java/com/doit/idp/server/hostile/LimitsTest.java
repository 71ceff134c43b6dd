package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The limits that keep the service up under abuse: a hung HSM must not stop the public documents or the health
 * endpoints; clients that stall or give up in the middle of a request must not hold the token listener's workers,
 * nor get a 5xx. (Header and URL size limits are in the catalogues; the per-engineer rate limit in
 * {@link RateLimitTest}; the session-pool bound on a real HSM in {@link HsmFloodTest}.)
 *
 * <p>Waits here are bounds on liveness (an answer must come at all, within seconds, while the server's own timeouts
 * are 10 s and more), never measurements.
 */
class LimitsTest {
  static final String ACCOUNT = "123456789012";

  @Test
  void aHungHsmStopsNeitherThePublicDocumentsNorTheManagementListener() throws Exception {
    BlockingRoleKeyStore hsm = new BlockingRoleKeyStore(new InMemoryRoleKeyStore());
    try (IdpUnderTest idp = IdpUnderTest.start(hsm, Map.of())) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
      hsm.wedge();
      int flood = 40; // more than the token listener's worker threads
      ExecutorService pool = Executors.newFixedThreadPool(flood);
      try {
        List<Future<RawHttp.Response>> pending = new ArrayList<>();
        String form = IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"), idp.roleArn(ACCOUNT, "alice"));
        for (int i = 0; i < flood; i++) pending.add(pool.submit(() -> idp.postToken(form)));
        // the token workers are all stuck in the HSM now; the other listeners have workers of their own
        for (int i = 0; i < 20 && hsm.waiting() == 0; i++) Thread.sleep(50);
        assertTrue(hsm.waiting() > 0, "the flood reached the HSM");
        RawHttp quick = new RawHttp(idp.port("public"), Duration.ofSeconds(5));
        assertEquals(200, quick.send(Catalogue.get("/" + ACCOUNT + "/alice/jwks.json")).status());
        assertEquals(200, new RawHttp(idp.port("management"), Duration.ofSeconds(5))
            .send(Catalogue.get("/healthz")).status());
        hsm.release();
        for (Future<RawHttp.Response> f : pending) {
          RawHttp.Response r = f.get();
          assertTrue(r.status() == 200 || r.status() == 503, r.toString());
          Catalogue.assertNoLeak(r, r.toString());
        }
        assertEquals(200, idp.postToken(form).status(), "serves again once the HSM answers");
      } finally {
        hsm.release();
        pool.shutdownNow();
      }
    }
  }

  @Test
  void anHsmOutageIs503WithRetryAfterAuditedAndNeverA500() {
    InMemoryRoleKeyStore hsm = new InMemoryRoleKeyStore();
    try (IdpUnderTest idp = IdpUnderTest.start(hsm, Map.of())) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.RS256);
      hsm.fail(true);
      RawHttp.Response r = idp.postToken(IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"),
          idp.roleArn(ACCOUNT, "alice")));
      Catalogue.check(new Catalogue.Case(Catalogue.Listener.TOKEN, "POST /token", "HSM down", new byte[0], 503,
          "temporarily_unavailable", true, x -> assertTrue(x.header("retry-after") != null, x.toString())), r);
      List<Map<String, Object>> lines = idp.auditLinesOf(r.header("x-request-id"));
      assertEquals(1, lines.size(), lines.toString());
      assertEquals("token.denied", lines.get(0).get("event"));
      // the public documents come from the last snapshot of the HSM, so STS keeps verifying meanwhile
      assertEquals(200, idp.http("public").send(Catalogue.get("/" + ACCOUNT + "/alice/jwks.json")).status());
      hsm.fail(false);
      assertEquals(200, idp.postToken(IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"),
          idp.roleArn(ACCOUNT, "alice"))).status(), "serves again once the HSM is back");
    }
  }

  @Test
  void aBodyCutShortGets400NotA5xxAndIsAudited() {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      String head = "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          + "Content-Length: 1000\r\nConnection: close\r\n\r\n";
      RawHttp.Response r = idp.http("token").truncated(head, "grant_type=urn".getBytes(StandardCharsets.US_ASCII));
      if (r.status() != -1) { // closing without an answer is fine for a client that is gone
        Catalogue.check(new Catalogue.Case(Catalogue.Listener.TOKEN, "POST /token", "truncated body", new byte[0],
            400, "invalid_request", false, x -> {}), r);
        List<Map<String, Object>> lines = idp.auditLinesOf(r.header("x-request-id"));
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("malformed_body", lines.get(0).get("reason"));
      }
      new Catalogue(idp).assertHealthy();
    }
  }

  @Test
  void stalledBodiesDoNotHoldTheWorkersThatGoodRequestsNeed() throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
      List<Socket> stalled = new ArrayList<>();
      try {
        // more stalled uploads than the token listener has worker threads (16 by default)
        for (int i = 0; i < 40; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), idp.port("token"));
          OutputStream out = s.getOutputStream();
          out.write(("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              + "Content-Length: 1000\r\n\r\ngrant_type=").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          stalled.add(s);
        }
        RawHttp quick = new RawHttp(idp.port("token"), Duration.ofSeconds(5));
        RawHttp.Response r = quick.send(RawHttp.request("POST", "/token",
            Map.of("Content-Type", "application/x-www-form-urlencoded"),
            IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"), idp.roleArn(ACCOUNT, "alice"))
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, r.status(), "a good request behind 40 stalled uploads: " + r);
      } catch (java.io.UncheckedIOException e) {
        if (e.getCause() instanceof java.net.SocketTimeoutException) {
          throw new AssertionError("a good request got no answer while 40 uploads stalled: the workers are held", e);
        }
        throw e;
      } finally {
        for (Socket s : stalled) closeQuietly(s);
      }
    }
  }

  @Test
  void aRequestHeadThatNeverEndsIsCutOffByTheServer() {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      // the server's request-parse timeout is 10 s; this client waits up to 20 s for the server to act
      RawHttp.Response r = new RawHttp(idp.port("token"), Duration.ofSeconds(20))
          .stalled("POST /token HTTP/1.1\r\nHost: x\r\nX-Slow: ", new byte[0]);
      assertTrue(r.status() == -1 || r.status() == 408 || r.status() == 400, r.toString());
      new Catalogue(idp).assertHealthy();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing a test socket
    }
  }
}
