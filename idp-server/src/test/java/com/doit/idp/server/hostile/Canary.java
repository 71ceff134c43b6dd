package com.doit.idp.server.hostile;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An attacker's web server: it serves a JWKS with the attacker's public key at any path, and records every request.
 * Hostile tokens point their {@code jku} and {@code x5u} headers here; a server that follows them would fetch from
 * it, so a test asserts {@link #requests()} stays empty. Thread-safe.
 */
public final class Canary implements AutoCloseable {
  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private Canary(HttpServer server) {
    this.server = server;
  }

  /** Starts on a free loopback port, answering every request with {@code jwksJson}. */
  public static Canary start(String jwksJson) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      Canary c = new Canary(s);
      byte[] body = jwksJson.getBytes(StandardCharsets.UTF_8);
      s.createContext("/", exchange -> {
        c.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      s.start();
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Every request received so far, as {@code METHOD uri}. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
