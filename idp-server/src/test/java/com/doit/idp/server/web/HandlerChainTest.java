package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.HsmException;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.Golden;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chain of {@link HandlerChains#chain} around routes that fail in every way, over real HTTP. */
class HandlerChainTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicReference<String> thread = new AtomicReference<>();
  private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
  private Undertow undertow;
  private HandlerChains.Chain chain;
  private URI base;

  @BeforeEach
  void start() {
    // a budget of two bodies' worth, for the test that fills it
    HandlerChains.BodyLimits limits = new HandlerChains.BodyLimits(1024, java.time.Duration.ofSeconds(10),
        new BodyBudget(2048));
    Router routes = Router.builder()
        .route("/ok", ex -> {
          thread.set(Thread.currentThread().getName());
          Json.send(ex, 200, Map.of("ok", true));
        }, "GET")
        .route("/echo", ex -> Json.send(ex, 200, Map.of("bytes", Bodies.read(ex, 1024).length)), "POST")
        .route("/boom", ex -> {
          throw new IllegalStateException("internal detail /etc/secret");
        }, "GET")
        .route("/error", ex -> {
          throw new StackOverflowError();
        }, "GET")
        .route("/client", ex -> {
          throw new ClientError(429, "too_many_requests", "slow down", Map.of("Retry-After", "3"));
        }, "GET")
        .route("/hsm", ex -> {
          throw new HsmException("CKR_DEVICE_ERROR on slot 3");
        }, "GET")
        .route("/slow", ex -> {
          entered.countDown();
          release.await();
          Json.send(ex, 200, Map.of("slow", true));
        }, "GET")
        .route("/half", ex -> {
          ex.getResponseHeaders().put(io.undertow.util.Headers.CACHE_CONTROL, "public, max-age=600");
          throw new IllegalStateException("after setting headers");
        }, "GET")
        .build();
    chain = HandlerChains.chain("test", registry, java.util.List.of(), HandlerChains.blocking(routes, limits));
    undertow = Undertow.builder().addHttpListener(0, "127.0.0.1", chain.root()).build();
    undertow.start();
    InetSocketAddress a = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
    base = URI.create("http://127.0.0.1:" + a.getPort());
  }

  @AfterEach
  void stop() {
    undertow.stop();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void endpointHandlersRunOffTheIoThreads() throws Exception {
    assertEquals(200, get("/ok").statusCode());
    assertFalse(thread.get().contains("I/O"), thread.get());
  }

  @Test
  void anUnexpectedExceptionIs500WithTheRequestIdAndNothingElse() throws Exception {
    for (String path : new String[] {"/boom", "/error"}) {
      HttpResponse<String> r = get(path);
      assertEquals(500, r.statusCode());
      String id = r.headers().firstValue("X-Request-Id").orElseThrow();
      Golden.assertMatches("error-server.json", Map.of("request_id", id), r.body());
      assertFalse(r.body().contains("secret"));
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    }
  }

  @Test
  void headersSetBeforeAFailureAreNotSentWithTheError() throws Exception {
    HttpResponse<String> r = get("/half");
    assertEquals(500, r.statusCode());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void aClientErrorKeepsItsStatusCodeDescriptionAndHeaders() throws Exception {
    HttpResponse<String> r = get("/client");
    assertEquals(429, r.statusCode());
    assertEquals("3", r.headers().firstValue("Retry-After").orElseThrow());
    assertEquals("{\"error\":\"too_many_requests\",\"error_description\":\"slow down\"}", r.body());
  }

  @Test
  void anHsmFailureIs503WithoutItsMessage() throws Exception {
    HttpResponse<String> r = get("/hsm");
    assertEquals(503, r.statusCode());
    Golden.assertMatches("error-hsm-unavailable.json", r.body());
    assertFalse(r.body().contains("CKR_"));
  }

  @Test
  void unknownPathsAre404AndOtherMethods405() throws Exception {
    HttpResponse<String> n = get("/nope");
    assertEquals(404, n.statusCode());
    Golden.assertMatches("error-not-found.json", n.body());
    HttpResponse<String> m = http.send(HttpRequest.newBuilder(base.resolve("/ok"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, m.statusCode());
    assertEquals("GET", m.headers().firstValue("Allow").orElseThrow());
  }

  @Test
  void everyRequestIsCountedByStatusAndGetsItsOwnId() throws Exception {
    String a = get("/ok").headers().firstValue("X-Request-Id").orElseThrow();
    String b = get("/nope").headers().firstValue("X-Request-Id").orElseThrow();
    assertNotEquals(a, b);
    // a request is timed when its exchange completes, which may be just after the client has the response
    assertEquals(1, countOnceRecorded("200"));
    assertEquals(1, countOnceRecorded("404"));
    assertTrue(registry.find(HttpMetrics.REQUESTS).tags("status", "500").timers().isEmpty());
  }

  @Test
  void aStopRefusesNewRequestsWith503JsonAndWaitsForTheOnesInFlight() throws Exception {
    var inFlight = http.sendAsync(HttpRequest.newBuilder(base.resolve("/slow")).build(),
        HttpResponse.BodyHandlers.ofString());
    entered.await();
    chain.draining().shutdown();
    assertFalse(chain.draining().awaitDrained(50), "one request is still in flight");
    HttpResponse<String> refused = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(HttpRequest.newBuilder(base.resolve("/ok")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, refused.statusCode());
    assertEquals("temporarily_unavailable", com.nimbusds.jose.util.JSONObjectUtils.parse(refused.body()).get("error"));
    release.countDown();
    assertEquals(200, inFlight.get().statusCode());
    assertTrue(chain.draining().awaitDrained(10_000));
  }

  @Test
  void aListenerHoldsNoMoreBodyBytesThanItsBudgetAndGivesThemBackWhenAnswered() throws Exception {
    int port = base.getPort();
    java.util.List<java.net.Socket> stalled = new java.util.ArrayList<>();
    try {
      // two bodies of 1,000 bytes sent and stalled short of their declared 1,024 hold 2,000 of the 2,048 bytes
      for (int i = 0; i < 2; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n"
            + "a".repeat(1000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        stalled.add(s);
      }
      HttpResponse<String> refused = null;
      for (int i = 0; i < 50; i++) { // until the server has read both stalled bodies
        refused = http.send(HttpRequest.newBuilder(base.resolve("/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("b".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
        if (refused.statusCode() == 503) break;
        Thread.sleep(100);
      }
      assertEquals(503, refused.statusCode(), refused.body());
      assertEquals("temporarily_unavailable", com.nimbusds.jose.util.JSONObjectUtils.parse(refused.body()).get("error"));
      assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
      // one stalled body completes and is answered: its bytes come back to the budget
      stalled.get(0).getOutputStream().write("a".repeat(24).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      stalled.get(0).getOutputStream().flush();
      stalled.get(0).setSoTimeout(10_000);
      String answer = new String(stalled.get(0).getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200", answer);
      HttpResponse<String> ok = null;
      for (int i = 0; i < 50; i++) {
        ok = http.send(HttpRequest.newBuilder(base.resolve("/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("b".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
        if (ok.statusCode() == 200) break;
        Thread.sleep(100);
      }
      assertEquals(200, ok.statusCode(), ok.body());
    } finally {
      for (java.net.Socket s : stalled) s.close();
    }
  }

  private long countOnceRecorded(String status) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var t = registry.find(HttpMetrics.REQUESTS).tags("listener", "test", "status", status).timer();
      if (t != null && t.count() > 0) return t.count();
      Thread.sleep(20);
    }
    return 0;
  }
}
