package com.doit.idp.server.web;

import com.doit.idp.audit.AuditLogException;
import com.doit.idp.role.HsmException;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.token.OAuthError;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.AttachmentKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every exception into a JSON answer: a {@link ClientError} into its status, its
 * {@code {"error","error_description"}} and its headers; a token service's {@link OAuthError} into the status of its
 * code (decided here and nowhere else); an HSM failure or an audit log that cannot be written (a full disk) into
 * {@code 503 temporarily_unavailable} with {@code Retry-After}; a body over {@code http.max-body} into {@code 413}; anything else into
 * {@code 500 {"error":"server_error", "request_id"}} with the stack trace logged and never sent. Every error carries {@code Cache-Control: no-store}
 * (docs/HTTP-API.md: the public 404 and every token error must; nothing else is worth caching either).
 *
 * <p>It also covers handlers that run after {@link Dispatch} moved the exchange to a worker thread: Dispatch finds
 * it in the exchange's attachments. Thread-safe (stateless).
 */
public final class ErrorMapping implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);
  static final AttachmentKey<ErrorMapping> KEY = AttachmentKey.create(ErrorMapping.class);
  /** How long a client should wait after a 503 whose cause does not say: an HSM or SSO outage is not over sooner. */
  static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(5);

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
    // A body not read (413, or an answer given before the body: 404, 405, 401) is not worth reading to its end:
    // close the connection rather than drain it at the client's pace.
    if (e.status() == 413 || !exchange.isRequestComplete()) exchange.setPersistent(false);
    Map<String, Object> body = Json.error(e.error(), e.description());
    e.details().forEach(body::putIfAbsent);
    Json.send(exchange, e.status(), body);
  }

  /** The client-visible form of {@code t}, or null for an internal error (500). */
  static ClientError toClientError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ClientError ce) return ce;
      if (c instanceof OAuthError oe) return toClientError(oe);
      if (c instanceof RequestTooBigException) return Bodies.tooLarge();
      if (c instanceof HsmException) return unavailable("the HSM is unavailable; try again later", Optional.empty());
      // nothing is answered that the audit log cannot record (a full disk): the client may try again later
      if (c instanceof AuditLogException) {
        return unavailable("the audit log cannot be written; try again later", Optional.empty());
      }
    }
    return null;
  }

  /**
   * The one place where the token services' refusals get their statuses: RFC 6749 5.2 errors are 400, RFC 6750 3.1
   * {@code invalid_token} 401 with a {@code Bearer} challenge, the rate limit 429, and anything that will pass 503;
   * both of the last with {@code Retry-After} in whole seconds, rounded up.
   */
  static ClientError toClientError(OAuthError e) {
    String error = e.code().code();
    return switch (e.code()) {
      case INVALID_REQUEST, UNSUPPORTED_GRANT_TYPE, INVALID_GRANT, INVALID_TARGET ->
          new ClientError(400, error, e.description());
      case INVALID_TOKEN -> new ClientError(401, error, e.description(), Map.of("WWW-Authenticate", "Bearer"));
      case TOO_MANY_REQUESTS -> new ClientError(429, error, e.description(),
          Map.of("Retry-After", retryAfter(e.retryAfter().orElse(UNAVAILABLE_RETRY_AFTER))));
      case TEMPORARILY_UNAVAILABLE -> unavailable(e.description(), e.retryAfter());
    };
  }

  /** 503: the HSM, the role directory or the SSO issuer cannot answer now; retry after the given wait, or 5 s. */
  private static ClientError unavailable(String description, Optional<Duration> wait) {
    return new ClientError(503, "temporarily_unavailable", description,
        Map.of("Retry-After", retryAfter(wait.orElse(UNAVAILABLE_RETRY_AFTER))));
  }

  /** RFC 9110 10.2.3: delay-seconds, a whole number; at least 1, so that "0" never invites an immediate retry. */
  private static String retryAfter(Duration wait) {
    return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
  }
}
