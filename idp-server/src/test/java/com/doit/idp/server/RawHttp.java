package com.doit.idp.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as given over a socket, for request targets that {@link java.net.http.HttpClient} would refuse
 * or rewrite (dot segments, encoded slashes, absurd sizes). Returns the raw response text ("" when the server closed
 * without one).
 */
public final class RawHttp {
  private RawHttp() {}

  public static String send(InetSocketAddress to, String request) {
    try (Socket s = new Socket()) {
      s.connect(to, 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      try {
        while ((n = in.read(buf)) != -1) got.write(buf, 0, n);
      } catch (java.net.SocketException e) {
        // a reset after the response is fine: what was read is the answer
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code GET <target>} with {@code Connection: close}. */
  public static String get(InetSocketAddress to, String target) {
    return send(to, "GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  }

  public static int status(String response) {
    if (!response.startsWith("HTTP/1.1 ")) return -1;
    return Integer.parseInt(response.substring(9, 12));
  }

  public static String body(String response) {
    int i = response.indexOf("\r\n\r\n");
    return i < 0 ? "" : response.substring(i + 4);
  }
}
