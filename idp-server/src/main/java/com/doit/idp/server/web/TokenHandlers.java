package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.List;
import java.util.Map;

/**
 * Handlers of the token listener: parse (bounded form body, bearer header) -> {@link TokenEndpoints} -> JSON with
 * {@code Cache-Control: no-store} (RFC 6749 section 5.1: responses carrying tokens must not be stored; errors get it
 * from {@link ErrorMapping}). Thread-safe.
 */
public final class TokenHandlers {
  private TokenHandlers() {}

  /** {@code POST /token}. */
  public static HttpHandler token(TokenEndpoints endpoints, long maxBody) {
    return exchange -> {
      Map<String, List<String>> form;
      try {
        form = Bodies.form(exchange, maxBody);
      } catch (ClientError e) {
        // every denied token request gets its audit line, also those refused before the form is read
        endpoints.refused(e, RequestIds.of(exchange), remoteAddr(exchange));
        throw e;
      }
      Map<String, Object> answer = endpoints.exchange(form, RequestIds.of(exchange), remoteAddr(exchange));
      Json.noStore(exchange);
      Json.send(exchange, 200, answer);
    };
  }

  /** {@code GET /roles} with {@code Authorization: Bearer <SSO ID token>}. */
  public static HttpHandler roles(TokenEndpoints endpoints) {
    return exchange -> {
      String token = bearer(exchange).orElseThrow(() -> new ClientError(401, "invalid_token",
          "an SSO ID token is required as Authorization: Bearer", Map.of("WWW-Authenticate", "Bearer")));
      Map<String, Object> answer = endpoints.roles(token);
      Json.noStore(exchange);
      Json.send(exchange, 200, answer);
    };
  }

  /** The credentials of a single {@code Authorization: Bearer} header (RFC 6750 section 2.1), if well-formed. */
  static java.util.Optional<String> bearer(HttpServerExchange exchange) {
    var values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
    if (values == null || values.size() != 1) return java.util.Optional.empty();
    String v = values.getFirst();
    if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) return java.util.Optional.empty();
    String token = v.substring(7).trim();
    return token.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(token);
  }

  /** The client's address ({@link ClientAddress}: behind a trusted load balancer, the client's, not the balancer's). */
  static String remoteAddr(HttpServerExchange exchange) {
    return ClientAddress.of(exchange);
  }
}
