package com.doit.idp.server.web;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Moves the request off the IO thread to a worker thread and switches the exchange to blocking mode before calling
 * the next handler: every HSM call blocks (STYLE.md "Request flow"), and an IO thread must never block. Exceptions
 * thrown on the worker go to the {@link ErrorMapping} in front of this handler. Thread-safe (stateless).
 */
public final class Dispatch implements HttpHandler {
  private final HttpHandler next;

  public Dispatch(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (exchange.isInIoThread()) {
      exchange.dispatch(this);
      return;
    }
    exchange.startBlocking();
    try {
      next.handleRequest(exchange);
    } catch (Throwable t) {
      ErrorMapping errors = exchange.getAttachment(ErrorMapping.KEY);
      if (errors == null) throw t;
      errors.handle(exchange, t);
    }
  }
}
