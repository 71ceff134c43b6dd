package com.doit.idp.server.web;

import io.undertow.io.Receiver;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.slf4j.MDC;

/**
 * Moves the request off the IO thread to a worker thread and switches the exchange to blocking mode before calling
 * the next handler: every HSM call blocks (STYLE.md "Request flow"), and an IO thread must never block. Exceptions
 * thrown on the worker go to the {@link ErrorMapping} in front of this handler. Thread-safe (stateless).
 */
public final class Dispatch implements HttpHandler {
  private final HttpHandler next;
  private final long maxBody;

  /**
   * @param maxBody {@code http.max-body}: bodies are received up to one byte more (so that {@link Bodies} can tell
   *     "exactly the limit" from "over it"), never more; 0 or less receives nothing before dispatching
   */
  public Dispatch(HttpHandler next, long maxBody) {
    this.next = next;
    this.maxBody = maxBody;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (exchange.isInIoThread()) {
      if (!exchange.isRequestComplete() && receiveBodyFirst(exchange)) return;
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

  /**
   * Reads the request body without blocking, on the IO thread, and dispatches only once it is all here: a client
   * that stalls in the middle of its body then holds a connection and a buffer of at most {@code http.max-body},
   * never a worker thread (40 stalled uploads would otherwise starve every good request until the read timeout).
   * {@link Bodies#read} takes the bytes, or the failure, from the exchange. A declared length over the limit is not
   * received at all: Undertow's receiver would allocate the declared size first, and {@link Bodies} answers 413 on
   * the declared length without reading.
   */
  private boolean receiveBodyFirst(HttpServerExchange exchange) {
    // Bounded by http.max-body, not by Undertow's MAX_ENTITY_SIZE (a backstop far above it): a stalled or
    // oversized chunked upload then holds at most http.max-body + 1 bytes before it is refused with 413.
    long max = maxBody + 1;
    if (maxBody <= 0 || max > Integer.MAX_VALUE || exchange.getRequestContentLength() > maxBody) return false;
    Receiver receiver = exchange.getRequestReceiver();
    receiver.setMaxBufferSize((int) max);
    receiver.receiveFullBytes(
        (ex, bytes) -> {
          ex.putAttachment(Bodies.RECEIVED, bytes);
          ex.dispatch(this);
        },
        (ex, failure) -> {
          ex.putAttachment(Bodies.RECEIVE_FAILED, failure);
          ex.dispatch(this);
        });
    return true;
  }
}
