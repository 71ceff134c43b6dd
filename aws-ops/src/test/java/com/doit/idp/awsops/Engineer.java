package com.doit.idp.awsops;

import com.doit.idp.role.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One engineer's aws-ops, run in the test JVM with a home of its own, a clock the test moves, and a browser that
 * follows the SSO's redirects as a real one does (an HTTP client, redirects followed, no JavaScript needed). Pauses
 * between STS retries move the clock instead of waiting. Not thread-safe.
 */
final class Engineer {
  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {}

  final Path home;
  final Map<String, String> env;
  final MutableClock clock = new MutableClock(Instant.now());
  final List<Duration> pauses = Collections.synchronizedList(new ArrayList<>());
  final List<HttpResponse<String>> browserVisits = Collections.synchronizedList(new ArrayList<>());
  Path launcher = Path.of("/opt/aws-ops/bin/aws-ops");
  private final HttpClient browserClient = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private volatile CompletableFuture<Void> lastVisit = CompletableFuture.completedFuture(null);

  Engineer(Path home, Map<String, String> env) {
    this.home = home;
    this.env = new HashMap<>(env);
  }

  Run run(String... args) {
    return run(this::visit, args);
  }

  Run run(Context.Browser browser, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Context context = new Context(Map.copyOf(env), clock, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), browser, d -> {
          pauses.add(d);
          clock.advance(d);
        }, Optional.of(launcher));
    int exit = AwsOps.run(args, context);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The browser: follows redirects from the SSO's authorization endpoint to our loopback listener. */
  boolean visit(URI url) {
    lastVisit = CompletableFuture.runAsync(() -> browserVisits.add(get(url)));
    return true;
  }

  HttpResponse<String> get(URI url) {
    try {
      return browserClient.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void awaitBrowser() {
    lastVisit.join();
  }

  Path cache() {
    return home.resolve(".cache").resolve("aws-ops");
  }
}
