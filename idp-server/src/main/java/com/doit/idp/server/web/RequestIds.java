package com.doit.idp.server.web;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.MDC;

/**
 * The outermost handler of every listener: gives each request a random id, sent back as {@code X-Request-Id} and
 * carried into logs, the audit log and {@code server_error} bodies. An incoming {@code X-Request-Id} is ignored:
 * the id is ours, so a client cannot forge audit correlations. While the request is handled on a thread, the id is
 * in the logging {@link MDC} as {@link #MDC_KEY} (here on the IO thread; {@link Dispatch} on the worker), so that
 * every log line about the request carries it. Thread-safe.
 */
public final class RequestIds implements HttpHandler {
  public static final HttpString HEADER = new HttpString("X-Request-Id");
  /** The request id's key in the logging MDC: a field of every JSON log line about the request. */
  public static final String MDC_KEY = "request_id";
  private static final AttachmentKey<String> KEY = AttachmentKey.create(String.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HttpHandler next;

  public RequestIds(HttpHandler next) {
    this.next = next;
  }

  /** The request's id; never null once this handler has run (a fresh one otherwise). */
  public static String of(HttpServerExchange exchange) {
    String id = exchange.getAttachment(KEY);
    if (id == null) {
      id = newId();
      exchange.putAttachment(KEY, id);
    }
    return id;
  }

  static String newId() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String id = newId();
    exchange.putAttachment(KEY, id);
    exchange.getResponseHeaders().put(HEADER, id);
    MDC.put(MDC_KEY, id);
    try {
      next.handleRequest(exchange);
    } finally {
      MDC.remove(MDC_KEY);
    }
  }
}
