package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routes by exact path pattern and method. A path that no route matches gets {@code 404 {"error":"not_found"}};
 * a known path with another method gets {@code 405} with {@code Allow} (docs/HTTP-API.md "Errors").
 *
 * <p>Paths are matched whole, against the decoded path, with no normalisation: a trailing slash, a double slash or
 * a {@code ..} segment matches nothing. Any percent-encoding or {@code ;} path parameter in the request target is
 * refused with 404 before matching: none of our paths needs one, and refusing them rules out encoded slashes and
 * dots (an engineer id is {@code [a-z0-9._@-]}) and the path parameters Undertow would otherwise strip. Immutable once built; thread-safe.
 */
public final class Router implements HttpHandler {
  private static final AttachmentKey<List<String>> GROUPS = AttachmentKey.create(List.class);

  private record Route(Pattern path, Map<String, HttpHandler> byMethod) {}

  private final List<Route> routes;

  private Router(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The capturing groups of the matched path pattern, in order. */
  public static List<String> pathGroups(HttpServerExchange exchange) {
    List<String> g = exchange.getAttachment(GROUPS);
    return g == null ? List.of() : g;
  }

  public static ClientError notFound() {
    return new ClientError(404, "not_found", null);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String raw = exchange.getRequestURI();
    if (raw.indexOf('%') >= 0 || raw.indexOf(';') >= 0) throw notFound();
    String path = exchange.getRequestPath();
    for (Route r : routes) {
      Matcher m = r.path.matcher(path);
      if (!m.matches()) continue;
      HttpHandler h = r.byMethod.get(exchange.getRequestMethod().toString());
      if (h == null) {
        String allow = String.join(", ", new TreeSet<>(r.byMethod.keySet()));
        throw new ClientError(405, "method_not_allowed", null, Map.of("Allow", allow));
      }
      List<String> groups = new ArrayList<>(m.groupCount());
      for (int i = 1; i <= m.groupCount(); i++) groups.add(m.group(i));
      exchange.putAttachment(GROUPS, List.copyOf(groups));
      h.handleRequest(exchange);
      return;
    }
    throw notFound();
  }

  /** Collects routes; the first route whose pattern matches a path owns it. */
  public static final class Builder {
    private final Map<String, Map<String, HttpHandler>> byPattern = new LinkedHashMap<>();

    /** Adds {@code handler} for {@code methods} (e.g. "GET", "HEAD") on the whole-path regex {@code pathRegex}. */
    public Builder route(String pathRegex, HttpHandler handler, String... methods) {
      Map<String, HttpHandler> m = byPattern.computeIfAbsent(pathRegex, p -> new LinkedHashMap<>());
      for (String method : methods) {
        if (m.putIfAbsent(method, handler) != null) {
          throw new IllegalStateException("two handlers for " + method + " " + pathRegex);
        }
      }
      return this;
    }

    public Router build() {
      List<Route> rs = new ArrayList<>();
      byPattern.forEach((p, m) -> rs.add(new Route(Pattern.compile(p), Map.copyOf(m))));
      return new Router(rs);
    }
  }
}
