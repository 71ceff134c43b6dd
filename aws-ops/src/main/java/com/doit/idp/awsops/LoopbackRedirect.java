package com.doit.idp.awsops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The loopback redirect of RFC 8252 section 7.3: a one-shot HTTP listener on 127.0.0.1 that receives the browser
 * coming back from the SSO with {@code code} and {@code state} (or {@code error}) on {@code /}. Only an answer with
 * this sign-in's {@code state} ends the wait; anything else gets a 400 and is ignored. Close it after use.
 */
final class LoopbackRedirect implements AutoCloseable {
  private static final String DONE_PAGE = "<!doctype html><meta charset=utf-8><title>aws-ops</title>"
      + "<p>Signed in: you can close this tab and go back to the terminal.</p>";
  private static final String FAILED_PAGE = "<!doctype html><meta charset=utf-8><title>aws-ops</title>"
      + "<p>The sign-in did not complete: see the terminal.</p>";

  /** What the browser brought back: a code, or the SSO's error. */
  record Result(String code, String error) {
    @Override
    public String toString() {
      return "Result[" + (code == null ? "error " + error : "code") + "]";
    }
  }

  private final HttpServer server;
  private final String state;
  private final CompletableFuture<Result> result = new CompletableFuture<>();

  LoopbackRedirect(int port, String state) {
    this.state = state;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 4);
    } catch (BindException e) {
      throw new AwsOpsException("cannot listen on 127.0.0.1:" + port + " for the SSO's redirect (in use?): end what "
          + "uses it, or change sso.redirect-port");
    } catch (IOException e) {
      throw new AwsOpsException("cannot listen on 127.0.0.1 for the SSO's redirect (" + e.getClass().getSimpleName() + ")");
    }
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>/}: what the SSO sends the browser back to. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      boolean ours = "GET".equals(ex.getRequestMethod()) && "/".equals(ex.getRequestURI().getPath())
          && state.equals(q.get("state"));
      if (!ours) {
        reply(ex, 400, "<!doctype html><title>aws-ops</title><p>Not an answer to this sign-in.</p>");
        return;
      }
      if (q.get("code") != null && !q.get("code").isEmpty()) {
        reply(ex, 200, DONE_PAGE);
        result.complete(new Result(q.get("code"), null));
      } else {
        String error = q.getOrDefault("error", "no code");
        String description = q.get("error_description");
        reply(ex, 200, FAILED_PAGE);
        result.complete(new Result(null, AwsOpsException.oneLine(description == null ? error : error + ": " + description)));
      }
    }
  }

  private static void reply(HttpExchange ex, int status, String html) throws IOException {
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.length() > 8192) return out;
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        out.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // a malformed parameter is as good as absent
      }
    }
    return out;
  }

  /** Waits for the browser. */
  Result await(Duration timeout) {
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AwsOpsException("no answer from the browser within " + timeout.toMinutes() + " minutes: run `aws-ops login` again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AwsOpsException("sign-in interrupted");
    } catch (ExecutionException e) {
      throw new AwsOpsException("sign-in failed");
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
