package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bounds that keep slow and numerous clients from exhausting the server (issue 9, point 6): connections per
 * listener ({@code http.max-connections}, refused at once beyond it), the time a whole request body may take
 * ({@code http.body-timeout}, however steadily it trickles), and the admin API and unknown paths answered before a
 * body is read. The flood itself, with thousands of connections against the real process, is
 * {@code lifecycle/SlowBodyFloodTest}.
 *
 * <p>Waits here bound liveness (an answer within seconds where the old behaviour waited for a 30 s timeout or for
 * ever), they measure nothing.
 */
class ConnectionAndBodyLimitsTest {
  static final String ACCOUNT = "123456789012";
  /** Well under the server's 30 s idle timeout: an answer within it is the server acting, not timing out. */
  static final int PROMPTLY_MS = 5_000;

  @Test
  void aConnectionBeyondMaxConnectionsIsClosedAtOnceAndTheListenerServesAgainWhenOneCloses() throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(),
        Map.of("IDP_HTTP_MAX_CONNECTIONS", "4"))) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
      List<Socket> held = new ArrayList<>();
      try {
        // the server counts a closed connection out when it sees the close: start from none, and hold four that it
        // has counted, so that the fifth is the one over the limit
        awaitOpenConnections(idp, 0);
        for (int i = 0; i < 4; i++) held.add(open(idp.port("public")));
        awaitOpenConnections(idp, 4);
        // the four held connections are served: a request on one of them is answered
        assertEquals(200, status(exchangeOn(held.get(0), "GET /" + ACCOUNT + "/alice/jwks.json")));
        try (Socket fifth = open(idp.port("public"))) {
          assertTrue(closedByServer(fifth), "the fifth connection was not refused at once");
        }
        // the limit is per listener: the token listener still takes connections
        assertEquals(404, idp.http("token").send(Catalogue.get("/")).status());
        held.remove(0).close();
        int status = -1;
        for (int i = 0; i < 50 && status != 200; i++) {
          try (Socket again = open(idp.port("public"))) {
            status = status(exchangeOn(again, "GET /" + ACCOUNT + "/alice/jwks.json"));
          } catch (IOException e) {
            Thread.sleep(100); // the server has not seen the close yet
          }
        }
        assertEquals(200, status, "a connection is taken again once one closed");
      } finally {
        for (Socket s : held) s.close();
      }
    }
  }

  @Test
  void aBodyTricklingSlowerThanTheBodyTimeoutIsCutOffWith408AndAudited() throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(),
        Map.of("IDP_HTTP_BODY_TIMEOUT", "2s"))) {
      try (Socket s = open(idp.port("token"))) {
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // one byte every 300 ms: never idle long enough for the idle timeout, never done within the body timeout
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        InputStream in = s.getInputStream();
        try {
          while (System.nanoTime() < deadline && in.available() == 0) {
            out.write('a');
            out.flush();
            Thread.sleep(300);
          }
        } catch (SocketException e) {
          // the server answered and closed while we were still sending: read what it said
        }
        RawHttp.Response r = RawHttp.read(in);
        Catalogue.check(new Catalogue.Case(Catalogue.Listener.TOKEN, "POST /token", "body past http.body-timeout",
            new byte[0], 408, "invalid_request", false, x -> {}), r);
        List<Map<String, Object>> lines = idp.auditLinesOf(r.header("x-request-id"));
        assertEquals(1, lines.size(), "the refused token request is audited: " + lines);
        assertEquals("token.denied", lines.get(0).get("event"));
      }
      new Catalogue(idp).assertHealthy();
    }
  }

  @Test
  void theAdminApiRefusesAWrongTokenBeforeItsBodyArrives() throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      for (String auth : List.of("", "Authorization: Bearer wrong-token-0123456789abcdef\r\n")) {
        RawHttp.Response r = headOnly(idp.port("management"), "POST /admin/roles HTTP/1.1\r\nHost: x\r\n" + auth
            + "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n");
        Catalogue.check(new Catalogue.Case(Catalogue.Listener.MANAGEMENT, "POST /admin/roles",
            "no body yet, " + (auth.isEmpty() ? "no token" : "wrong token"), new byte[0], 401, "unauthorized", false,
            x -> {}), r);
      }
    }
  }

  @Test
  void unknownPathsAndMethodsAreAnsweredBeforeTheirBodyArrives() throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      RawHttp.Response unknown = headOnly(idp.port("token"),
          "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n");
      assertEquals(404, unknown.status(), unknown.toString());
      RawHttp.Response method = headOnly(idp.port("management"),
          "PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n");
      assertEquals(405, method.status(), method.toString());
    }
  }

  /**
   * Sends a request head announcing a body that never comes (under {@code http.max-body}, 16 KiB here, so the server
   * would wait for it), and reads the answer that must come before it.
   */
  private static RawHttp.Response headOnly(int port, String head) throws IOException {
    try (Socket s = open(port)) {
      s.setSoTimeout(PROMPTLY_MS);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      try {
        return RawHttp.read(s.getInputStream());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer before the body: the server waits for it", e);
      }
    }
  }

  private static Socket open(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(PROMPTLY_MS);
    return s;
  }

  private static RawHttp.Response exchangeOn(Socket s, String requestLine) throws IOException {
    s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return RawHttp.read(s.getInputStream());
  }

  private static int status(RawHttp.Response r) {
    return r.status();
  }

  /** True when the server closes the connection (end of stream or reset) without waiting for a request. */
  /** Waits until the public listener counts {@code n} open connections (its gauge on /metrics). */
  private static void awaitOpenConnections(IdpUnderTest idp, int n) throws InterruptedException {
    String series = "idp_http_connections_open{listener=\"public\"} " + n + ".0";
    String last = "";
    for (int i = 0; i < 100; i++) {
      last = idp.http("management").send(Catalogue.get("/metrics")).body();
      if (last.lines().anyMatch(l -> l.equals(series))) return;
      Thread.sleep(50);
    }
    throw new AssertionError("the public listener never counted " + n + " open connections: "
        + last.lines().filter(l -> l.startsWith("idp_http_connections_open")).toList());
  }

  private static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    }
  }
}
