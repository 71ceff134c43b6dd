package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Graceful stop: counts requests in flight, and once {@link #shutdown} is called refuses new ones with
 * {@code 503 temporarily_unavailable} (a JSON body through {@link ErrorMapping}, unlike Undertow's own
 * {@code GracefulShutdownHandler}, which answers an empty 503). {@link #awaitDrained} waits for the requests in
 * flight. Before that, {@link #closeConnections} keeps serving but ends each connection after its answer, so that
 * clients holding keep-alive connections come back through the load balancer (to another replica). Thread-safe.
 */
public final class Draining implements HttpHandler {
  private final HttpHandler next;
  private final Object lock = new Object();
  private int active;
  private boolean shuttingDown;
  private volatile boolean closingConnections;

  public Draining(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    synchronized (lock) {
      if (shuttingDown) {
        exchange.setPersistent(false);
        throw new ClientError(503, "temporarily_unavailable", "the server is stopping", Map.of("Retry-After", "1"));
      }
      active++;
    }
    if (closingConnections) exchange.setPersistent(false);
    exchange.addExchangeCompleteListener((ex, nextListener) -> {
      synchronized (lock) {
        active--;
        lock.notifyAll();
      }
      nextListener.proceed();
    });
    next.handleRequest(exchange);
  }

  /** From now on, every answer closes its connection (requests are still served). */
  public void closeConnections() {
    closingConnections = true;
  }

  /** From now on, new requests get 503. */
  public void shutdown() {
    synchronized (lock) {
      shuttingDown = true;
    }
  }

  /** Waits until no request is in flight, at most {@code millis}; true if drained. */
  public boolean awaitDrained(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lock) {
      while (active > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) return false;
        lock.wait(left);
      }
      return true;
    }
  }
}
