package com.doit.idp.server.web;

import com.doit.idp.config.Secret;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.admin.AdminApi;
import com.doit.idp.server.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Handlers of the management listener: health, readiness, Prometheus metrics, and the admin API (each admin call
 * behind {@link #admin}'s bearer-token check). Thread-safe.
 */
public final class ManagementHandlers {
  private ManagementHandlers() {}

  /** {@code GET /healthz}: 200 while the process serves. */
  public static HttpHandler health() {
    return exchange -> Json.send(exchange, 200, Map.of("status", "ok"));
  }

  /** {@code GET /readyz}: 200, or 503 {@code {"error":"not_ready","error_description":<reason>}}. */
  public static HttpHandler ready(Readiness readiness) {
    return exchange -> {
      Readiness.Status s = readiness.check();
      if (!s.ready()) throw new ClientError(503, "not_ready", s.reason().orElse("not ready"));
      Json.noStore(exchange);
      Json.send(exchange, 200, Map.of("status", "ready"));
    };
  }

  /** {@code GET /metrics}: Prometheus text format 0.0.4. */
  public static HttpHandler metrics(PrometheusMeterRegistry registry) {
    return exchange -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
      exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
      exchange.getResponseSender().send(ByteBuffer.wrap(body));
    };
  }

  /**
   * Guards an admin handler: exactly one {@code Authorization: Bearer <token>} whose token equals the one in
   * {@code admin.token-file}, compared in constant time; else {@code 401 {"error":"unauthorized"}}.
   */
  public static HttpHandler admin(Secret token, HttpHandler next) {
    return exchange -> {
      String given = TokenHandlers.bearer(exchange).orElse(null);
      char[] candidate = given == null ? null : given.toCharArray();
      boolean ok = token.matches(candidate);
      if (candidate != null) java.util.Arrays.fill(candidate, '\0');
      if (!ok) throw new ClientError(401, "unauthorized", null, Map.of("WWW-Authenticate", "Bearer"));
      Json.noStore(exchange);
      next.handleRequest(exchange);
    };
  }

  public static HttpHandler createRole(AdminApi api, long maxBody) {
    return exchange -> Json.send(exchange, 201, api.create(Bodies.jsonObject(exchange, maxBody),
        TokenHandlers.context(exchange)));
  }

  public static HttpHandler listRoles(AdminApi api) {
    return exchange -> Json.send(exchange, 200, api.list());
  }

  public static HttpHandler showRole(AdminApi api) {
    return exchange -> {
      List<String> g = Router.pathGroups(exchange);
      Json.send(exchange, 200, api.show(g.get(0), g.get(1)));
    };
  }

  public static HttpHandler revokeRole(AdminApi api) {
    return exchange -> {
      List<String> g = Router.pathGroups(exchange);
      Map<String, List<String>> query = new LinkedHashMap<>();
      for (Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet()) {
        query.put(e.getKey(), List.copyOf(e.getValue()));
      }
      Json.send(exchange, 200, api.revoke(g.get(0), g.get(1), query, TokenHandlers.context(exchange)));
    };
  }

  public static HttpHandler extendRole(AdminApi api, long maxBody) {
    return exchange -> {
      List<String> g = Router.pathGroups(exchange);
      Json.send(exchange, 200, api.extend(g.get(0), g.get(1), Bodies.jsonObject(exchange, maxBody),
          TokenHandlers.context(exchange)));
    };
  }

  public static HttpHandler showAccount(AdminApi api) {
    return exchange -> Json.send(exchange, 200, api.account(Router.pathGroups(exchange).get(0)));
  }

  public static HttpHandler provisionRole(AdminApi api) {
    return exchange -> {
      List<String> g = Router.pathGroups(exchange);
      Json.send(exchange, 200, api.provision(g.get(0), g.get(1)));
    };
  }

  public static HttpHandler rotateRole(AdminApi api) {
    return exchange -> {
      List<String> g = Router.pathGroups(exchange);
      Json.send(exchange, 200, api.rotate(g.get(0), g.get(1), TokenHandlers.context(exchange)));
    };
  }
}
