package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The PROXY protocol header parser: v1 and v2 as load balancers send them, however the bytes are split across
 * reads, never consuming a byte of what follows; every malformed header refused. Random splits come from a seed
 * printed with any failure ({@code -Didp.proxy.seed=N} replays one).
 */
class ProxyHeaderTest {
  static final byte[] REQUEST = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Feeds {@code header + REQUEST} in the given pieces; returns the parser and the bytes it left unread. */
  private static Object[] feed(byte[] header, int[] cuts) {
    byte[] all = concat(header, REQUEST);
    ProxyHeader p = new ProxyHeader();
    ProxyHeader.Progress progress = ProxyHeader.Progress.MORE;
    int at = 0;
    ByteArrayOutputStream left = new ByteArrayOutputStream();
    List<Integer> bounds = new ArrayList<>();
    for (int c : cuts) bounds.add(c);
    bounds.add(all.length);
    for (int end : bounds) {
      if (end <= at) continue;
      ByteBuffer b = ByteBuffer.wrap(all, at, end - at);
      if (progress == ProxyHeader.Progress.MORE) progress = p.feed(b);
      left.write(all, b.position(), b.remaining());
      at = end;
    }
    return new Object[] {p, progress, left.toByteArray()};
  }

  private static ProxyHeader.Progress progress(byte[] header) {
    return (ProxyHeader.Progress) feed(header, new int[0])[1];
  }

  @Test
  void v1Tcp4NamesTheClientAndLeavesTheRequestUnread() {
    Object[] r = feed(ascii("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n"), new int[0]);
    ProxyHeader p = (ProxyHeader) r[0];
    assertEquals(ProxyHeader.Progress.DONE, r[1]);
    assertEquals(new InetSocketAddress("192.0.2.10", 56324), p.source());
    assertEquals(new InetSocketAddress("198.51.100.1", 443), p.destination());
    assertEquals(new String(REQUEST, StandardCharsets.US_ASCII), new String((byte[]) r[2], StandardCharsets.US_ASCII));
  }

  @Test
  void v1Tcp6AndUnknown() {
    Object[] r = feed(ascii("PROXY TCP6 2001:db8::1 2001:db8::2 4711 443\r\n"), new int[0]);
    assertEquals(ProxyHeader.Progress.DONE, r[1]);
    assertEquals(new InetSocketAddress("2001:db8::1", 4711), ((ProxyHeader) r[0]).source());
    Object[] u = feed(ascii("PROXY UNKNOWN\r\n"), new int[0]);
    assertEquals(ProxyHeader.Progress.DONE, u[1]);
    assertNull(((ProxyHeader) u[0]).source(), "UNKNOWN: the peer stands for itself");
    assertEquals(ProxyHeader.Progress.DONE, progress(ascii("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")));
  }

  @Test
  void v2ProxyTcp4WithTlvsAndLocal() {
    Object[] r = feed(v2(0x21, 0x11, block4("192.0.2.10", "198.51.100.1", 56324, 443), tlv(0xEA, 40)), new int[0]);
    ProxyHeader p = (ProxyHeader) r[0];
    assertEquals(ProxyHeader.Progress.DONE, r[1]);
    assertEquals(new InetSocketAddress("192.0.2.10", 56324), p.source());
    assertEquals(REQUEST.length, ((byte[]) r[2]).length, "the TLVs are consumed, the request is not");
    Object[] local = feed(v2(0x20, 0x00, new byte[0], new byte[0]), new int[0]);
    assertEquals(ProxyHeader.Progress.DONE, local[1]);
    assertNull(((ProxyHeader) local[0]).source(), "LOCAL: the balancer's own connection");
  }

  @Test
  void v2ProxyTcp6() {
    byte[] block = new byte[36];
    System.arraycopy(addr("2001:db8::7"), 0, block, 0, 16);
    System.arraycopy(addr("2001:db8::1"), 0, block, 16, 16);
    block[32] = 0x12;
    block[33] = 0x34;
    Object[] r = feed(v2(0x21, 0x21, block, new byte[0]), new int[0]);
    assertEquals(ProxyHeader.Progress.DONE, r[1]);
    assertEquals(new InetSocketAddress("2001:db8::7", 0x1234), ((ProxyHeader) r[0]).source());
  }

  @Test
  void everyWayOfSplittingAHeaderGivesTheSameResult() {
    long seed = Long.getLong("idp.proxy.seed", System.nanoTime());
    Random random = new Random(seed);
    List<byte[]> headers = List.of(ascii("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n"),
        ascii("PROXY TCP6 2001:db8::1 2001:db8::2 4711 443\r\n"),
        v2(0x21, 0x11, block4("192.0.2.10", "198.51.100.1", 56324, 443), tlv(0x04, 300)));
    try {
      for (byte[] header : headers) {
        Object[] whole = feed(header, new int[0]);
        for (int i = 0; i < 300; i++) {
          int n = 1 + random.nextInt(6);
          int[] cuts = random.ints(n, 1, header.length + REQUEST.length).sorted().toArray();
          Object[] split = feed(header, cuts);
          assertEquals(whole[1], split[1]);
          assertEquals(((ProxyHeader) whole[0]).source(), ((ProxyHeader) split[0]).source());
          assertEquals(REQUEST.length, ((byte[]) split[2]).length, "bytes after the header are left unread");
        }
        for (int cut = 1; cut < header.length; cut++) {
          Object[] split = feed(header, new int[] {cut});
          assertEquals(whole[1], split[1], "split at " + cut);
        }
      }
    } catch (AssertionError e) {
      throw new AssertionError("seed " + seed + " (replay with -Didp.proxy.seed=" + seed + "): " + e.getMessage(), e);
    }
  }

  @Test
  void malformedHeadersAreRefused() {
    for (String bad : List.of(
        "GET / HTTP/1.1\r\n", // no header at all
        "PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n", // a port missing
        "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443 x\r\n",
        "PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n", // IPv6 under TCP4
        "PROXY TCP6 192.0.2.10 2001:db8::2 1 2\r\n", // IPv4 under TCP6
        "PROXY TCP4 192.0.2.300 198.51.100.1 1 2\r\n",
        "PROXY TCP4 example.com 198.51.100.1 1 2\r\n", // names are never looked up
        "PROXY TCP4 192.0.2.10 198.51.100.1 65536 2\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.1 -1 2\r\n",
        "PROXY TCP4 192.0.2.10  198.51.100.1 1 2\r\n",
        "PROXY UDP4 192.0.2.10 198.51.100.1 1 2\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.1 1 2\n", // LF without CR
        "PROXY TCP4 192.0.2.10 198.51.100.1 1 2\r\r\n",
        "proxy TCP4 192.0.2.10 198.51.100.1 1 2\r\n",
        "PROXY " + "1".repeat(120) + "\r\n")) { // over 107 bytes
      assertEquals(ProxyHeader.Progress.INVALID, progress(ascii(bad)), bad);
    }
    byte[] good = v2(0x21, 0x11, block4("192.0.2.10", "198.51.100.1", 1, 2), new byte[0]);
    byte[] wrongSignature = good.clone();
    wrongSignature[5] = 0x00;
    byte[] version1 = good.clone();
    version1[12] = 0x11;
    byte[] command2 = good.clone();
    command2[12] = 0x22;
    byte[] tooLong = v2(0x21, 0x11, block4("192.0.2.10", "198.51.100.1", 1, 2), tlv(0x04, 3000));
    byte[] shortBlock = v2(0x21, 0x11, new byte[8], new byte[0]);
    for (byte[] bad : List.of(wrongSignature, version1, command2, tooLong, shortBlock)) {
      assertEquals(ProxyHeader.Progress.INVALID, progress(bad));
    }
  }

  // ---------------------------------------------------------------- building headers

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] v2(int versionCommand, int family, byte[] block, byte[] tlvs) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(ProxyHeader.V2_SIGNATURE);
    b.write(versionCommand);
    b.write(family);
    int len = block.length + tlvs.length;
    b.write(len >> 8);
    b.write(len & 0xff);
    b.writeBytes(block);
    b.writeBytes(tlvs);
    return b.toByteArray();
  }

  static byte[] block4(String src, String dst, int sport, int dport) {
    byte[] b = new byte[12];
    System.arraycopy(addr(src), 0, b, 0, 4);
    System.arraycopy(addr(dst), 0, b, 4, 4);
    b[8] = (byte) (sport >> 8);
    b[9] = (byte) sport;
    b[10] = (byte) (dport >> 8);
    b[11] = (byte) dport;
    return b;
  }

  static byte[] tlv(int type, int length) {
    byte[] b = new byte[3 + length];
    b[0] = (byte) type;
    b[1] = (byte) (length >> 8);
    b[2] = (byte) length;
    return b;
  }

  static byte[] addr(String literal) {
    return com.doit.idp.config.Cidr.literal(literal);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
