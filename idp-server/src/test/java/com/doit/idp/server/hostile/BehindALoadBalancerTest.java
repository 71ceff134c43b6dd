package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client address behind a load balancer (issue 13): {@code X-Forwarded-For} believed from a peer in
 * {@code http.trusted-proxies} only, the PROXY protocol (v1 and v2) on a listener that asks for it and only from a
 * trusted peer, and the address so derived used by the audit log and by the bound on refused requests per source.
 * The test's connections come from 127.0.0.1; "trusted" and "untrusted" are set by {@code http.trusted-proxies}.
 */
class BehindALoadBalancerTest {
  static final String REFUSED_FORM = "grant_type=x";

  private static IdpUnderTest start(String trustedProxies, boolean proxyProtocol, boolean everyDenialAudited) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("IDP_HTTP_TRUSTED_PROXIES", trustedProxies);
    if (proxyProtocol) env.put("IDP_LISTEN_TOKEN_PROXY_PROTOCOL", "true");
    return IdpUnderTest.start(new InMemoryRoleKeyStore(), env, everyDenialAudited);
  }

  /** A refused token request with these extra headers; returns the audit line's remote_addr. */
  private static Object refusedFrom(IdpUnderTest idp, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/x-www-form-urlencoded");
    RawHttp.Response r = idp.http("token").send(RawHttp.request("POST", "/token", h,
        REFUSED_FORM.getBytes(StandardCharsets.UTF_8)));
    assertEquals(400, r.status(), r.toString());
    List<Map<String, Object>> lines = idp.auditLinesOf(r.header("x-request-id"));
    assertEquals(1, lines.size(), lines.toString());
    return lines.get(0).get("remote_addr");
  }

  @Test
  void aTrustedPeersXForwardedForNamesTheClient() {
    try (IdpUnderTest idp = start("127.0.0.1", false, true)) {
      assertEquals("203.0.113.9", refusedFrom(idp, Map.of("X-Forwarded-For", "203.0.113.9")));
      // what the client wrote itself stays to the left of what the balancer appended
      assertEquals("203.0.113.9", refusedFrom(idp, Map.of("X-Forwarded-For", "198.51.100.66, 203.0.113.9")));
      // Forwarded and X-Real-IP are never read
      assertEquals("127.0.0.1", refusedFrom(idp, Map.of("Forwarded", "for=203.0.113.9", "X-Real-IP", "203.0.113.9")));
    }
  }

  @Test
  void anUntrustedPeersForwardingHeadersAreIgnored() {
    try (IdpUnderTest idp = start("10.0.0.0/8", false, true)) {
      assertEquals("127.0.0.1", refusedFrom(idp, Map.of("X-Forwarded-For", "203.0.113.9")));
      assertEquals("127.0.0.1", refusedFrom(idp, Map.of("X-Forwarded-For", "10.1.1.1")));
    }
  }

  @Test
  void theBoundOnRefusalsCountsTheClientBehindTheBalancerNotTheBalancer() {
    try (IdpUnderTest idp = start("127.0.0.1", false, false)) {
      for (int i = 0; i < 15; i++) refusedFrom(idp, Map.of("X-Forwarded-For", "203.0.113." + (i + 1)));
      long distinct = idp.auditLines().stream().filter(m -> "token.denied".equals(m.get("event"))).count();
      assertEquals(15, distinct, "fifteen clients behind one balancer, each within its own bound");
      for (int i = 0; i < 15; i++) {
        idp.http("token").send(RawHttp.request("POST", "/token", Map.of("X-Forwarded-For", "198.51.100.7",
            "Content-Type", "application/x-www-form-urlencoded"), REFUSED_FORM.getBytes(StandardCharsets.UTF_8)));
      }
      long one = idp.auditLines().stream().filter(m -> "198.51.100.7".equals(m.get("remote_addr"))).count();
      assertEquals(10, one, "one noisy client is bounded");
    }
  }

  @Test
  void aProxyProtocolHeaderFromATrustedPeerNamesTheClientInV1AndV2() throws Exception {
    try (IdpUnderTest idp = start("127.0.0.1", true, true)) {
      RawHttp.Response v1 = proxied(idp, ascii("PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n"), Map.of());
      assertEquals("203.0.113.9", remoteAddr(idp, v1));
      RawHttp.Response v2 = proxied(idp, v2Tcp6("2001:db8::9", "2001:db8::1"), Map.of());
      assertEquals("2001:db8:0:0:0:0:0:9", remoteAddr(idp, v2));
      RawHttp.Response local = proxied(idp, v2Local(), Map.of());
      assertEquals("127.0.0.1", remoteAddr(idp, local), "LOCAL: the balancer's own request");
      // the client named by the header is not a trusted proxy: its X-Forwarded-For is not believed
      RawHttp.Response spoof = proxied(idp, ascii("PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n"),
          Map.of("X-Forwarded-For", "192.0.2.200"));
      assertEquals("203.0.113.9", remoteAddr(idp, spoof));
      // every proxied connection, closed, is counted out (or the connection limit would fill up with ghosts)
      double open = -1;
      for (int i = 0; i < 100 && open != 0; i++) {
        open = idp.server().meterRegistry().get("idp.http.connections.open").tag("listener", "token").gauge().value();
        if (open != 0) Thread.sleep(50);
      }
      assertEquals(0, open, "open connections on the token listener after the proxied ones closed");
    }
  }

  @Test
  void aProxyProtocolListenerClosesConnectionsWithoutAValidHeader() throws Exception {
    try (IdpUnderTest idp = start("127.0.0.1", true, true)) {
      assertTrue(closedUnanswered(idp.port("token"), request(Map.of())), "no header");
      assertTrue(closedUnanswered(idp.port("token"), concat(ascii("PROXY TCP4 203.0.113.9 nowhere 1 2\r\n"),
          request(Map.of()))), "malformed header");
      // the other listeners do not take the header
      assertEquals(200, idp.http("management").send(Catalogue.get("/healthz")).status());
    }
  }

  @Test
  void aProxyProtocolHeaderFromAnUntrustedPeerIsNeverBelieved() throws Exception {
    try (IdpUnderTest idp = start("10.0.0.0/8", true, true)) {
      assertTrue(closedUnanswered(idp.port("token"),
          concat(ascii("PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n"), request(Map.of()))));
      assertTrue(idp.auditLines().stream().noneMatch(m -> "203.0.113.9".equals(m.get("remote_addr"))));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static RawHttp.Response proxied(IdpUnderTest idp, byte[] header, Map<String, String> headers)
      throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), idp.port("token"))) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(concat(header, request(headers)));
      out.flush();
      RawHttp.Response r = RawHttp.read(s.getInputStream());
      assertEquals(400, r.status(), r.toString());
      return r;
    }
  }

  private static String remoteAddr(IdpUnderTest idp, RawHttp.Response r) {
    List<Map<String, Object>> lines = idp.auditLinesOf(r.header("x-request-id"));
    assertEquals(1, lines.size(), lines.toString());
    return (String) lines.get(0).get("remote_addr");
  }

  private static byte[] request(Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/x-www-form-urlencoded");
    return RawHttp.request("POST", "/token", h, REFUSED_FORM.getBytes(StandardCharsets.UTF_8));
  }

  /** True when the server closes the connection without writing a byte. */
  private static boolean closedUnanswered(int port, byte[] bytes) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      try {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
      } catch (SocketException e) {
        return true;
      }
      InputStream in = s.getInputStream();
      try {
        return in.read() == -1;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (SocketException e) {
        return true; // reset
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  private static byte[] v2Tcp6(String src, String dst) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(SIGNATURE);
    b.write(0x21);
    b.write(0x21);
    b.write(0);
    b.write(36);
    b.write(InetAddress.getByName(src).getAddress());
    b.write(InetAddress.getByName(dst).getAddress());
    b.write(new byte[] {(byte) 0xdc, 0x04, 0x01, (byte) 0xbb});
    return b.toByteArray();
  }

  private static byte[] v2Local() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(SIGNATURE);
    b.write(0x20);
    b.write(0x00);
    b.write(0);
    b.write(0);
    return b.toByteArray();
  }
}
