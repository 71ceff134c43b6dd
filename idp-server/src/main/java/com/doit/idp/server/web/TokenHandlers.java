package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import com.doit.idp.server.RequestContext;
import com.doit.idp.server.token.RoleListService;
import com.doit.idp.server.token.TokenExchangeService;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Handlers of the token listener: parse (bounded form body, bearer header) -> the token services -> JSON with
 * {@code Cache-Control: no-store} (RFC 6749 section 5.1: responses carrying tokens must not be stored; errors get it
 * from {@link ErrorMapping}, which also turns the services' refusals into statuses). Thread-safe.
 */
public final class TokenHandlers {
  private TokenHandlers() {}

  /** {@code POST /token}. */
  public static HttpHandler token(TokenExchangeService service, long maxBody) {
    return exchange -> {
      RequestContext ctx = context(exchange);
      Map<String, List<String>> form;
      try {
        form = Bodies.form(exchange, maxBody);
      } catch (ClientError e) {
        // every denied token request gets its audit line, also those refused before the form is read
        service.refusedBeforeParsing(
            e.status() == 413 ? TokenExchangeService.BODY_TOO_LARGE : TokenExchangeService.MALFORMED_BODY, ctx);
        throw e;
      }
      Map<String, Object> answer = service.exchange(form, ctx).toJson();
      Json.noStore(exchange);
      Json.send(exchange, 200, answer);
    };
  }

  /** {@code GET /roles} with {@code Authorization: Bearer <SSO ID token>}. */
  public static HttpHandler roles(RoleListService service) {
    return exchange -> {
      Map<String, Object> answer = Map.of("roles", service.rolesFor(bearer(exchange).orElse(null)));
      Json.noStore(exchange);
      Json.send(exchange, 200, answer);
    };
  }

  /** The credentials of a single {@code Authorization: Bearer} header (RFC 6750 section 2.1), if well-formed. */
  static Optional<String> bearer(HttpServerExchange exchange) {
    HeaderValues values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
    if (values == null || values.size() != 1) return Optional.empty();
    String v = values.getFirst();
    if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
    String token = v.substring(7).trim();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /**
   * What the audit log records of a request: its id and the client's address. The one place that derives them, for
   * the token path and the admin API alike.
   */
  static RequestContext context(HttpServerExchange exchange) {
    return new RequestContext(RequestIds.of(exchange), remoteAddr(exchange));
  }

  /** The client's address ({@link ClientAddress}: behind a trusted load balancer, the client's, not the balancer's). */
  static String remoteAddr(HttpServerExchange exchange) {
    return ClientAddress.of(exchange);
  }
}
