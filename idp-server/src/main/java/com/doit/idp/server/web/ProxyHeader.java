package com.doit.idp.server.web;

import com.doit.idp.config.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the PROXY protocol header a load balancer sends at the start of a connection (HAProxy's specification,
 * version 1 text and version 2 binary, as AWS NLB and most balancers send them), byte by byte, however the bytes
 * are split across reads: {@link #feed} consumes the header's bytes only and leaves what follows (the HTTP request,
 * or TLS) in the buffer.
 *
 * <p>The result is the client's address and port ({@link #source}), or none when the header carries none: a v2
 * {@code LOCAL} command (the balancer's own health check), a v1 {@code UNKNOWN}, or a family other than TCP over
 * IPv4/IPv6; the connection's peer then stands for itself. Anything malformed is {@link Progress#INVALID}: a v1 line
 * over 107 bytes or without CRLF, addresses that are not literals of the announced family, ports outside 0..65535,
 * a v2 signature, version or command that is wrong, a v2 address block shorter than its family needs, or a v2
 * header longer than {@value #MAX_V2_LENGTH} bytes after its fixed part (TLVs included). Not thread-safe: one per
 * connection.
 */
final class ProxyHeader {
  enum Progress { MORE, DONE, INVALID }

  /** The longest v1 line, CRLF included (the specification's bound). */
  static final int MAX_V1_LENGTH = 107;
  /** The longest v2 address block and TLVs accepted (AWS NLB's TLVs are a few dozen bytes). */
  static final int MAX_V2_LENGTH = 2048;
  static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);

  private final byte[] head = new byte[Math.max(MAX_V1_LENGTH, 16)];
  private int headLength;
  private int version;
  private byte[] block;
  private int blockLength;
  private Progress progress = Progress.MORE;
  private InetSocketAddress source;
  private InetSocketAddress destination;

  /** Consumes the header's bytes from {@code in} (never more), and says whether it is complete. */
  Progress feed(ByteBuffer in) {
    while (progress == Progress.MORE && in.hasRemaining()) {
      if (version == 0) {
        byte b = in.get();
        head[headLength++] = b;
        if (b == V1_PREFIX[0]) {
          version = 1;
        } else if (b == V2_SIGNATURE[0]) {
          version = 2;
        } else {
          progress = Progress.INVALID;
        }
      } else if (version == 1) {
        feedV1(in.get());
      } else if (block == null) {
        feedV2Fixed(in.get());
      } else {
        int n = Math.min(in.remaining(), block.length - blockLength);
        in.get(block, blockLength, n);
        blockLength += n;
        if (blockLength == block.length) finishV2();
      }
    }
    return progress;
  }

  /** The client's address and port, when the header named one (after {@link Progress#DONE}). */
  InetSocketAddress source() {
    return source;
  }

  /** The address and port the client connected to, when the header named one. */
  InetSocketAddress destination() {
    return destination;
  }

  private void feedV1(byte b) {
    if (headLength >= MAX_V1_LENGTH) {
      progress = Progress.INVALID;
      return;
    }
    head[headLength++] = b;
    if (headLength <= V1_PREFIX.length) {
      if (b != V1_PREFIX[headLength - 1]) progress = Progress.INVALID;
      return;
    }
    if (b != '\n') return;
    if (head[headLength - 2] != '\r') {
      progress = Progress.INVALID;
      return;
    }
    String line = new String(head, V1_PREFIX.length, headLength - V1_PREFIX.length - 2, StandardCharsets.US_ASCII);
    progress = parseV1(line) ? Progress.DONE : Progress.INVALID;
  }

  private boolean parseV1(String line) {
    if (line.equals("UNKNOWN") || line.startsWith("UNKNOWN ")) return true;
    String[] f = line.split(" ", -1);
    if (f.length != 5) return false;
    int family = switch (f[0]) {
      case "TCP4" -> 4;
      case "TCP6" -> 16;
      default -> 0;
    };
    if (family == 0) return false;
    InetAddress src = address(f[1], family);
    InetAddress dst = address(f[2], family);
    int sport = port(f[3]);
    int dport = port(f[4]);
    if (src == null || dst == null || sport < 0 || dport < 0) return false;
    source = new InetSocketAddress(src, sport);
    destination = new InetSocketAddress(dst, dport);
    return true;
  }

  private static InetAddress address(String text, int family) {
    // getByAddress below turns an IPv4-mapped IPv6 literal into IPv4: compare the literal's own form first
    if (family == 4 ? text.indexOf(':') >= 0 : text.indexOf(':') < 0) return null;
    byte[] b = Cidr.literal(text);
    if (b == null || (family == 4 && b.length != 4)) return null;
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static int port(String text) {
    if (!text.matches("[0-9]{1,5}")) return -1;
    int p = Integer.parseInt(text);
    return p <= 65535 ? p : -1;
  }

  private void feedV2Fixed(byte b) {
    head[headLength++] = b;
    if (headLength <= V2_SIGNATURE.length) {
      if (b != V2_SIGNATURE[headLength - 1]) progress = Progress.INVALID;
      return;
    }
    if (headLength < 16) return;
    int versionAndCommand = head[12] & 0xff;
    int length = ((head[14] & 0xff) << 8) | (head[15] & 0xff);
    if ((versionAndCommand & 0xf0) != 0x20 || (versionAndCommand & 0x0f) > 1 || length > MAX_V2_LENGTH) {
      progress = Progress.INVALID;
      return;
    }
    block = new byte[length];
    if (length == 0) finishV2();
  }

  private void finishV2() {
    boolean proxy = (head[12] & 0x0f) == 1;
    int family = head[13] & 0xff;
    if (!proxy) { // LOCAL: the balancer speaks for itself; the address block is ignored
      progress = Progress.DONE;
      return;
    }
    // TCP over IPv4 (0x11) or IPv6 (0x21): source and destination addresses, then their ports. UNSPEC, UDP and
    // UNIX families carry no TCP client: the peer stands for itself.
    int size = family == 0x11 ? 4 : family == 0x21 ? 16 : 0;
    if (size > 0) {
      if (block.length < 2 * size + 4) {
        progress = Progress.INVALID;
        return;
      }
      try {
        source = endpoint(block, 0, size, 2 * size);
        destination = endpoint(block, size, size, 2 * size + 2);
      } catch (UnknownHostException e) {
        progress = Progress.INVALID;
        return;
      }
    }
    progress = Progress.DONE;
  }

  private static InetSocketAddress endpoint(byte[] b, int addressAt, int size, int portAt)
      throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(b, addressAt, addressAt + size)),
        port(b, portAt));
  }

  private static int port(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }
}
