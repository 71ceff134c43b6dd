package com.doit.idp.server.sso;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP server on a free loopback port that answers from a map of path to (status, headers, body) and
 * counts every request per path: to prove a URL was never fetched, or fetched exactly so often.
 */
public final class CountingServer implements AutoCloseable {
  public record Answer(int status, Map<String, String> headers, String body) {
    public static Answer json(String body) {
      return new Answer(200, Map.of("Content-Type", "application/json"), body);
    }
  }

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  public CountingServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", ex -> {
      total.incrementAndGet();
      String path = ex.getRequestURI().getPath();
      counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      Answer a = answers.getOrDefault(path, new Answer(404, Map.of(), "{}"));
      byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
      a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.sendResponseHeaders(a.status(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public void answer(String path, Answer a) {
    answers.put(path, a);
  }

  public int count(String path) {
    AtomicInteger c = counts.get(path);
    return c == null ? 0 : c.get();
  }

  public int total() {
    return total.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
