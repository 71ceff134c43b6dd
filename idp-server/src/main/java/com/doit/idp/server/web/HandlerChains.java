package com.doit.idp.server.web;

import com.doit.idp.config.Secret;
import com.doit.idp.server.admin.AdminApi;
import com.doit.idp.server.health.Readiness;
import com.doit.idp.server.jwks.PublicDocuments;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import java.time.Duration;
import java.util.Optional;

/**
 * The one place where each listener's handler chain and routes are wired (STYLE.md "Request flow").
 *
 * <p>Every listener's chain, outermost first:
 * <ol>
 *   <li>request id ({@link RequestIds}): {@code X-Request-Id}, for logs, audit and 500 bodies</li>
 *   <li>metrics ({@link HttpMetrics}): latency and count by listener and final status</li>
 *   <li>error mapping ({@link ErrorMapping}): every exception becomes a JSON error body with {@code no-store}</li>
 *   <li>draining ({@link Draining}): counts requests in flight for a graceful stop; 503 JSON once stopping</li>
 *   <li>dispatch off the IO threads ({@link Dispatch}): HSM work blocks; the exchange turns blocking (not on the
 *       public listener, whose documents come from memory: {@link #nonBlockingChain})</li>
 *   <li>routing ({@link Router}): exact paths, 404 / 405 with {@code Allow}</li>
 *   <li>the endpoint handler: parse -> decide (a service with no Undertow import) -> write JSON</li>
 * </ol>
 */
public final class HandlerChains {
  /** The public documents' path: an account, an engineer, a document (anything else on the listener is 404). */
  static final String ROLE = "/([0-9]{12})/([a-z0-9][a-z0-9._-]{0,50})";
  /** Admin paths take any single segment and let the service refuse malformed ones with 404. */
  static final String ADMIN_ROLE = "/admin/roles/([^/]+)/([^/]+)";

  private HandlerChains() {}

  /** A listener's chain: its root handler, and its draining stage for a graceful stop. */
  public record Chain(HttpHandler root, Draining draining) {}

  /** The chain above around {@code routes}; request bodies are bounded by {@code maxBody} ({@code http.max-body}). */
  public static Chain chain(String listener, MeterRegistry registry, HttpHandler routes, long maxBody) {
    Draining draining = new Draining(new Dispatch(routes, maxBody));
    HttpHandler root =
        new RequestIds(
            new HttpMetrics(
                new ErrorMapping(
                    draining),
                registry, listener));
    return new Chain(root, draining);
  }

  /**
   * The public listener's chain: the same stages without the dispatch, since the public documents come from the
   * in-memory role snapshot and never touch the HSM. Answering on the IO thread saves a thread hand-off per request
   * on the listener that takes the most traffic (docs/PERFORMANCE.md, part 3); request bodies are never read there.
   */
  public static Chain nonBlockingChain(String listener, MeterRegistry registry, HttpHandler routes) {
    Draining draining = new Draining(routes);
    HttpHandler root = new RequestIds(new HttpMetrics(new ErrorMapping(draining), registry, listener));
    return new Chain(root, draining);
  }

  /** Public listener (internet, STS): discovery and JWKS, GET and HEAD only. */
  public static Router publicRoutes(PublicDocuments documents, Duration maxAge) {
    return Router.builder()
        .route(ROLE + "/\\.well-known/openid-configuration",
            new PublicDocumentHandler(documents, PublicDocuments.Kind.DISCOVERY, maxAge), "GET", "HEAD")
        .route(ROLE + "/jwks\\.json",
            new PublicDocumentHandler(documents, PublicDocuments.Kind.JWKS, maxAge), "GET", "HEAD")
        .build();
  }

  /** Token listener (engineers' network): token exchange and the caller's role list. */
  public static Router tokenRoutes(TokenEndpoints endpoints, long maxBody) {
    return Router.builder()
        .route("/token", TokenHandlers.token(endpoints, maxBody), "POST")
        .route("/roles", TokenHandlers.roles(endpoints), "GET")
        .build();
  }

  /** Management listener (operators): health, readiness, metrics, and the admin API when a token is configured. */
  public static Router managementRoutes(Readiness readiness, PrometheusMeterRegistry registry,
      Optional<Secret> adminToken, AdminApi admin, long maxBody) {
    Router.Builder b = Router.builder()
        .route("/healthz", ManagementHandlers.health(), "GET")
        .route("/readyz", ManagementHandlers.ready(readiness), "GET")
        .route("/metrics", ManagementHandlers.metrics(registry), "GET");
    if (adminToken.isPresent()) { // without admin.token-file the admin API is off: its paths are 404 (SPEC.md)
      Secret t = adminToken.get();
      b.route("/admin/roles", ManagementHandlers.admin(t, ManagementHandlers.listRoles(admin)), "GET")
          .route("/admin/roles", ManagementHandlers.admin(t, ManagementHandlers.createRole(admin, maxBody)), "POST")
          .route(ADMIN_ROLE, ManagementHandlers.admin(t, ManagementHandlers.showRole(admin)), "GET")
          .route(ADMIN_ROLE, ManagementHandlers.admin(t, ManagementHandlers.revokeRole(admin)), "DELETE")
          .route(ADMIN_ROLE + "/extend", ManagementHandlers.admin(t, ManagementHandlers.extendRole(admin, maxBody)),
              "POST")
          .route(ADMIN_ROLE + "/rotate", ManagementHandlers.admin(t, ManagementHandlers.rotateRole(admin)), "POST")
          .route(ADMIN_ROLE + "/provision", ManagementHandlers.admin(t, ManagementHandlers.provisionRole(admin)),
              "POST");
    }
    return b.build();
  }
}
