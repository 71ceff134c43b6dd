package com.doit.idp.server.web;

import com.doit.idp.role.HsmException;
import com.doit.idp.server.ClientError;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.AttachmentKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every exception into a JSON answer (STYLE.md "Errors"): a {@link ClientError} into its status, its
 * {@code {"error","error_description"}} and its headers; an HSM failure into {@code 503 temporarily_unavailable};
 * a body over {@code http.max-body} into {@code 413}; anything else into {@code 500 {"error":"server_error",
 * "request_id"}} with the stack trace logged and never sent. Every error carries {@code Cache-Control: no-store}
 * (SPEC.md: the public 404 and every token error must; nothing else is worth caching either).
 *
 * <p>It also covers handlers that run after {@link Dispatch} moved the exchange to a worker thread: Dispatch finds
 * it in the exchange's attachments. Thread-safe (stateless).
 */
public final class ErrorMapping implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);
  static final AttachmentKey<ErrorMapping> KEY = AttachmentKey.create(ErrorMapping.class);

  private final HttpHandler next;

  public ErrorMapping(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    exchange.putAttachment(KEY, this);
    try {
      next.handleRequest(exchange);
    } catch (Throwable t) {
      handle(exchange, t);
    }
  }

  /** Answers the exchange for {@code t}; if the response has already started, logs and closes the connection. */
  void handle(HttpServerExchange exchange, Throwable t) {
    String requestId = RequestIds.of(exchange);
    ClientError e = toClientError(t);
    if (e == null) {
      log.error("server-error request_id={} method={} path={}", requestId, exchange.getRequestMethod(),
          exchange.getRequestPath(), t);
    } else if (e.status() >= 500) {
      log.warn("unavailable request_id={} status={} cause={}", requestId, e.status(), t.toString());
    }
    if (exchange.isResponseStarted()) {
      log.warn("error-after-response-started request_id={}", requestId);
      exchange.setPersistent(false);
      exchange.endExchange();
      return;
    }
    exchange.getResponseHeaders().clear();
    exchange.getResponseHeaders().put(RequestIds.HEADER, requestId);
    Json.noStore(exchange);
    if (e == null) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "server_error");
      body.put("request_id", requestId);
      Json.send(exchange, 500, body);
      return;
    }
    e.headers().forEach((k, v) -> Json.header(exchange, k, v));
    if (e.status() == 413) exchange.setPersistent(false); // the rest of the body is not worth reading
    Map<String, Object> body = Json.error(e.error(), e.description());
    e.details().forEach(body::putIfAbsent);
    Json.send(exchange, e.status(), body);
  }

  /** The client-visible form of {@code t}, or null for an internal error (500). */
  static ClientError toClientError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ClientError ce) return ce;
      if (c instanceof RequestTooBigException) return Bodies.tooLarge();
      if (c instanceof HsmException) {
        return new ClientError(503, "temporarily_unavailable", "the HSM is unavailable; try again later",
            Map.of("Retry-After", "5"));
      }
    }
    return null;
  }
}
