package com.doit.idp.server.web;

import com.doit.idp.server.metrics.Latency;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every request of a listener and counts it by final status: {@code idp_http_requests_seconds{listener,
 * status}}, a histogram with the buckets of {@link Latency} (its {@code _count} on the public listener is "public
 * document requests by status"). Tags are the listener name and the status only, never a path: paths carry account
 * numbers and engineer ids, which would make the series unbounded. Each status's timer is looked up once and kept, so a
 * request costs a map read and a bucket increment. Thread-safe.
 */
public final class HttpMetrics implements HttpHandler {
  public static final String REQUESTS = "idp.http.requests";

  private final HttpHandler next;
  private final MeterRegistry registry;
  private final String listener;
  /** By status code; statuses are a small set (the ones this server answers, and Undertow's own). */
  private final ConcurrentMap<Integer, Timer> timers = new ConcurrentHashMap<>();

  public HttpMetrics(HttpHandler next, MeterRegistry registry, String listener) {
    this.next = next;
    this.registry = registry;
    this.listener = listener;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    long start = System.nanoTime();
    exchange.addExchangeCompleteListener((ex, nextListener) -> {
      try {
        timers.computeIfAbsent(ex.getStatusCode(), this::timer).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      } finally {
        nextListener.proceed();
      }
    });
    next.handleRequest(exchange);
  }

  private Timer timer(int status) {
    return Latency.timer(REQUESTS).description("HTTP requests by listener and status")
        .tag("listener", listener).tag("status", Integer.toString(status)).register(registry);
  }
}
