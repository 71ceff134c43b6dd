package com.doit.idp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JavaLoadTest {
  private HttpServer server;
  private final AtomicInteger posts = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/fixed", ex -> {
      byte[] b = "{\"kid\":\"fixed\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    server.createContext("/chunked", ex -> {
      ex.sendResponseHeaders(200, 0); // length 0: chunked
      try (OutputStream o = ex.getResponseBody()) {
        o.write("part one, ".getBytes(StandardCharsets.UTF_8));
        o.flush();
        o.write("part two".getBytes(StandardCharsets.UTF_8));
      }
    });
    server.createContext("/form", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status = "POST".equals(ex.getRequestMethod()) && body.equals("a=b") ? 200 : 400;
      posts.incrementAndGet();
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void aConnectionReadsContentLengthAndChunkedBodiesAndStaysUsable() throws Exception {
    try (HttpConnection c = new HttpConnection(Target.get(url("/fixed")))) {
      for (int i = 0; i < 3; i++) assertEquals(new HttpConnection.Response(200, "{\"kid\":\"fixed\"}"), c.exchange());
    }
    try (HttpConnection c = new HttpConnection(Target.get(url("/chunked")))) {
      for (int i = 0; i < 3; i++) assertEquals("part one, part two", c.exchange().body());
    }
  }

  @Test
  void theLoadPostsTheFormAndTagsEachAnswer() {
    List<JavaLoad.Sample> samples = new JavaLoad().samples(Target.get(url("/fixed")), 2, Duration.ofMillis(300),
        body -> body.contains("fixed") ? "fixed" : "?");
    assertTrue(samples.size() > 0);
    assertTrue(samples.stream().allMatch(s -> s.ok() && s.tag().equals("fixed")));
    LoadResult posted = new JavaLoad().run(Target.postForm(url("/form"), "a=b"), 2, Duration.ofMillis(300));
    assertEquals(0, posted.errors());
    assertEquals(posts.get(), posted.requests());
  }

  @Test
  void answersOtherThan2xxOr3xxCountAsErrors() {
    LoadResult r = new JavaLoad().run(Target.get(url("/form")), 1, Duration.ofMillis(200));
    assertTrue(r.requests() > 0);
    assertEquals(r.requests(), r.errors());
  }
}
