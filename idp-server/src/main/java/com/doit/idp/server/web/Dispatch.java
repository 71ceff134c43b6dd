package com.doit.idp.server.web;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import org.slf4j.MDC;

/**
 * Moves a routed request off the IO thread to a worker thread and switches the exchange to blocking mode before
 * calling its endpoint handler: every HSM call blocks (STYLE.md "Request flow"), and an IO thread must never block.
 * A request body is received first, on the IO thread ({@link BodyReceiver}): a client that stalls in the middle of
 * its body then holds a connection and the bytes it sent, never a worker thread, and never beyond
 * {@code http.body-timeout}. It wraps each blocking route, after the {@link Router} (and after the admin API's token
 * check), so that an unknown path, a wrong method or a wrong token is answered before any body is read.
 *
 * <p>Exceptions thrown on the worker go to the {@link ErrorMapping} in front of the chain. Thread-safe (stateless).
 */
public final class Dispatch implements HttpHandler {
  private final HttpHandler next;
  private final long maxBody;
  private final Duration bodyTimeout;
  private final BodyBudget budget;

  /**
   * @param maxBody {@code http.max-body}: bodies are received up to one byte more (so that {@link Bodies} can tell
   *     "exactly the limit" from "over it"), never more; a declared length over it is not received at all (413)
   * @param bodyTimeout {@code http.body-timeout}: the whole body must arrive within it (408)
   * @param budget the body bytes the listener may hold at once (503 beyond)
   */
  public Dispatch(HttpHandler next, long maxBody, Duration bodyTimeout, BodyBudget budget) {
    if (maxBody <= 0 || maxBody >= Integer.MAX_VALUE) throw new IllegalArgumentException("maxBody out of range");
    this.next = next;
    this.maxBody = maxBody;
    this.bodyTimeout = bodyTimeout;
    this.budget = budget;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (exchange.isInIoThread()) {
      if (!exchange.isRequestComplete() && exchange.getRequestContentLength() <= maxBody
          && exchange.getAttachment(Bodies.RECEIVED) == null && exchange.getAttachment(Bodies.RECEIVE_FAILED) == null) {
        BodyReceiver.receive(exchange, maxBody, bodyTimeout, budget, ex -> ex.dispatch(this));
        return;
      }
      exchange.dispatch(this);
      return;
    }
    exchange.startBlocking();
    MDC.put(RequestIds.MDC_KEY, RequestIds.of(exchange)); // log lines on the worker name the request too
    try {
      next.handleRequest(exchange);
    } catch (Throwable t) {
      ErrorMapping errors = exchange.getAttachment(ErrorMapping.KEY);
      if (errors == null) throw t;
      errors.handle(exchange, t);
    } finally {
      MDC.remove(RequestIds.MDC_KEY);
    }
  }
}
