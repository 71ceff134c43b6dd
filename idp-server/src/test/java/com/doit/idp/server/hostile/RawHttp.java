package com.doit.idp.server.hostile;

import com.doit.idp.server.OpenApiContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 spoken byte by byte over a socket, so a test can send what no well-behaved client would: bodies longer
 * or shorter than their {@code Content-Length}, chunked bodies, huge headers and URLs, raw non-ASCII bytes in the
 * request target, requests that stop half-way. Not thread-safe per instance; every method opens its own socket.
 */
public final class RawHttp {
  private static final int MAX_RESPONSE = 1 << 20;

  /**
   * What came back. {@code status} is -1 when the server closed the connection without a response (acceptable
   * for some abuse, never for a well-formed request); {@code headers} has lower-case names.
   */
  public record Response(int status, Map<String, List<String>> headers, String body) {
    public static final Response CLOSED = new Response(-1, Map.of(), "");

    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    public List<String> headerValues(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
    }
  }

  private final int port;
  private final Duration timeout;

  public RawHttp(int port, Duration timeout) {
    this.port = port;
    this.timeout = timeout;
  }

  public int port() {
    return port;
  }

  /** Sends exactly these bytes and reads one response. */
  public Response send(byte[] request) {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (SocketException e) {
        // the server may answer (413, 431) and close before it has read everything we send: read what it said
      }
      return contract(request, read(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Response send(String request) {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Sends the head and the first {@code sent} bytes of a body announced as longer, then half-closes the
   * connection: a client that gave up in the middle of its request.
   */
  public Response truncated(String head, byte[] sent) {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(sent);
      out.flush();
      s.shutdownOutput();
      return contract(head.getBytes(StandardCharsets.ISO_8859_1), read(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends the head and part of the body, then nothing more while holding the connection open, and reads what
   * the server does about it (its read timeout must answer or close; {@code timeout} bounds the wait here).
   */
  public Response stalled(String head, byte[] sent) {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(sent);
      out.flush();
      return contract(head.getBytes(StandardCharsets.ISO_8859_1), read(s.getInputStream()));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server neither answered nor closed a stalled request within " + timeout);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Holds the response to docs/openapi.yaml ({@link OpenApiContract}) when the request names a documented operation. */
  private Response contract(byte[] request, Response r) {
    OpenApiContract.check(port, request, r.status(), r.headers(), r.body());
    return r;
  }

  /** A request line and headers, CRLF-terminated, with an empty line at the end. */
  public static String head(String requestLine, Map<String, String> headers) {
    StringBuilder b = new StringBuilder(requestLine).append("\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    return b.append("\r\n").toString();
  }

  /** A complete request with a body and a correct {@code Content-Length}. */
  public static byte[] request(String method, String target, Map<String, String> headers, byte[] body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1");
    h.putAll(headers);
    if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
      h.putIfAbsent("Content-Length", Integer.toString(body.length));
    }
    h.put("Connection", "close");
    byte[] headBytes = head(method + " " + target + " HTTP/1.1", h).getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  /** The body in {@code chunkSize}-byte chunks, with the final empty chunk. */
  public static byte[] chunked(byte[] body, int chunkSize) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < body.length; i += chunkSize) {
      int n = Math.min(chunkSize, body.length - i);
      b.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.write(body, i, n);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    b.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return b.toByteArray();
  }

  private Socket open() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout((int) timeout.toMillis());
    return s;
  }

  /** Reads one response: status line, headers, then a body by Content-Length, chunks, or up to the close. */
  static Response read(InputStream in) throws IOException {
    String status;
    try {
      status = line(in);
    } catch (SocketException e) {
      return Response.CLOSED; // reset by the server before it wrote anything
    }
    if (status == null || status.isEmpty()) return Response.CLOSED;
    String[] sp = status.split(" ", 3);
    if (sp.length < 2 || !sp[0].startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + status);
    int code = Integer.parseInt(sp[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      if (colon <= 0) continue;
      headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<String> te = headers.getOrDefault("transfer-encoding", List.of());
    List<String> cl = headers.getOrDefault("content-length", List.of());
    try {
      if (!te.isEmpty() && te.get(0).toLowerCase(Locale.ROOT).contains("chunked")) {
        for (int n = Integer.parseInt(line(in).split(";")[0].trim(), 16); n > 0;
            n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
          body.write(in.readNBytes(n));
          line(in);
          if (body.size() > MAX_RESPONSE) break;
        }
      } else if (!cl.isEmpty()) {
        body.write(in.readNBytes(Integer.parseInt(cl.get(0))));
      } else if (code != 204 && code != 304) {
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n > 0 && body.size() < MAX_RESPONSE; n = in.read(buf)) body.write(buf, 0, n);
      }
    } catch (SocketException e) {
      // reset after the head: what we have is what the client would see
    }
    return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1; c = in.read()) {
      if (c == '\n') {
        byte[] a = b.toByteArray();
        int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
        return new String(a, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
      if (b.size() > 65536) throw new IOException("response line too long");
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }
}
