package com.doit.idp.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection on a blocking socket, for {@link JavaLoad}: it writes the same request bytes
 * again and again and reads each answer (status line, headers, a {@code Content-Length} or chunked body). Far
 * cheaper per request than {@code java.net.http}, so the generator takes less CPU from the server it measures.
 * Reconnects when the server closes. Not thread-safe: one per load thread.
 */
final class HttpConnection implements AutoCloseable {
  /** A response: status and body. */
  record Response(int status, String body) {}

  private static final int MAX_BODY = 1 << 20;

  private final URI url;
  private final byte[] request;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  HttpConnection(Target target) {
    this.url = target.url();
    String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    String host = url.getHost() + ":" + url.getPort();
    StringBuilder r = new StringBuilder();
    if (target.formBody().isPresent()) {
      byte[] body = target.formBody().get().getBytes(StandardCharsets.UTF_8);
      r.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
          .append("\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(body.length)
          .append("\r\n\r\n").append(target.formBody().get());
    } else {
      r.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n\r\n");
    }
    this.request = r.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Sends the request once and reads the answer; one retry on a fresh connection if a kept-alive one was closed. */
  Response exchange() throws IOException {
    boolean fresh = socket == null;
    try {
      return once();
    } catch (IOException e) {
      close();
      if (fresh) throw e;
      return once();
    }
  }

  private Response once() throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      out = socket.getOutputStream();
    }
    out.write(request);
    out.flush();
    String status = line();
    if (status == null || !status.startsWith("HTTP/1.")) throw new IOException("no HTTP status line");
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = false;
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) length = Long.parseLong(h.substring(15).strip());
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
      if (lower.startsWith("connection:") && lower.contains("close")) closeAfter = true;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      for (long n = Long.parseLong(line().split(";")[0].strip(), 16); n > 0;
          n = Long.parseLong(line().split(";")[0].strip(), 16)) {
        read(body, n);
        line();
      }
      for (String t = line(); t != null && !t.isEmpty(); t = line()) { /* trailers */ }
    } else if (length > 0) {
      read(body, length);
    }
    if (closeAfter) close();
    return new Response(code, body.toString(StandardCharsets.UTF_8));
  }

  private void read(ByteArrayOutputStream body, long n) throws IOException {
    if (body.size() + n > MAX_BODY) throw new IOException("body too large");
    byte[] buf = new byte[(int) n];
    int off = 0;
    while (off < n) {
      int r = in.read(buf, off, (int) n - off);
      if (r < 0) throw new IOException("closed in the body");
      off += r;
    }
    body.write(buf, 0, (int) n);
  }

  /** A header line without its CRLF; null at end of stream. */
  private String line() throws IOException {
    StringBuilder s = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = s.length();
        if (len > 0 && s.charAt(len - 1) == '\r') s.setLength(len - 1);
        return s.toString();
      }
      if (s.length() > 16 * 1024) throw new IOException("header line too long");
      s.append((char) c);
    }
    if (s.length() == 0) throw new IOException("connection closed");
    return s.toString();
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a socket we are done with
      }
    }
    socket = null;
  }
}
