package com.doit.idp.server.web;

import com.doit.idp.config.Cidr;
import com.doit.idp.config.Secret;
import com.doit.idp.server.admin.AdminApi;
import com.doit.idp.server.health.Readiness;
import com.doit.idp.server.hook.HookService;
import com.doit.idp.server.jwks.PublicDocuments;
import com.doit.idp.server.token.RoleListService;
import com.doit.idp.server.token.TokenExchangeService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one place where each listener's handler chain and routes are wired (STYLE.md "Request flow").
 *
 * <p>Every listener's chain, outermost first:
 * <ol>
 *   <li>request id ({@link RequestIds}): {@code X-Request-Id}, for logs, audit and 500 bodies</li>
 *   <li>client address ({@link ClientAddress}): the peer, or the client a trusted proxy names, for the audit log
 *       and the bounds per source</li>
 *   <li>metrics ({@link HttpMetrics}): latency and count by listener and final status</li>
 *   <li>error mapping ({@link ErrorMapping}): every exception becomes a JSON error body with {@code no-store}</li>
 *   <li>draining ({@link Draining}): counts requests in flight for a graceful stop; 503 JSON once stopping</li>
 *   <li>routing ({@link Router}), on the IO thread: exact paths, 404 / 405 with {@code Allow}, before any body is
 *       read</li>
 *   <li>for the admin API, its bearer token check ({@link ManagementHandlers#admin}), still before the body</li>
 *   <li>dispatch off the IO threads ({@link Dispatch}) on the routes that block (HSM work, or a body to read): the
 *       body is received first, bounded in size and time; the public documents come from memory and answer on the
 *       IO thread; the public listener's one route with a body, the CloudFormation hook, is dispatched</li>
 *   <li>the endpoint handler: parse -> decide (a service with no Undertow import) -> write JSON</li>
 * </ol>
 */
public final class HandlerChains {
  /** The public documents' path: an account, an engineer, a document (anything else on the listener is 404). */
  static final String ROLE = "/([0-9]{12})/([a-z0-9][a-z0-9._@-]{0,50})";
  /** Admin paths take any single segment and let the service refuse malformed ones with 404. */
  static final String ADMIN_ROLE = "/admin/roles/([^/]+)/([^/]+)";

  private HandlerChains() {}

  /** A listener's chain: its root handler, and its draining stage for a graceful stop. */
  public record Chain(HttpHandler root, Draining draining) {}

  /**
   * How a listener's request bodies are bounded: {@code http.max-body}, {@code http.body-timeout}, and the bytes it
   * may hold at once (one budget per listener: build one per listener with {@link #bodyLimits}).
   */
  public record BodyLimits(long maxBody, Duration timeout, BodyBudget budget) {}

  /** Fresh limits for one listener. */
  public static BodyLimits bodyLimits(long maxBody, Duration timeout) {
    return new BodyLimits(maxBody, timeout, BodyBudget.forMaxBody(maxBody));
  }

  /**
   * The chain above around {@code routes}.
   *
   * @param trustedProxies {@code http.trusted-proxies}: the peers whose {@code X-Forwarded-For} names the client
   */
  public static Chain chain(String listener, MeterRegistry registry, List<Cidr> trustedProxies, HttpHandler routes) {
    Draining draining = new Draining(routes);
    HttpHandler root =
        new RequestIds(
            new ClientAddress(trustedProxies,
                new HttpMetrics(
                    new ErrorMapping(
                        draining),
                    registry, listener)));
    return new Chain(root, draining);
  }

  /** {@code handler} on a worker thread, in blocking mode, its request body received first within {@code limits}. */
  public static HttpHandler blocking(HttpHandler handler, BodyLimits limits) {
    return new Dispatch(handler, limits.maxBody(), limits.timeout(), limits.budget());
  }

  /**
   * Public listener (internet, STS, SNS): discovery and JWKS, GET and HEAD only; and, when {@code hooks} is given
   * ({@code hooks.sns-topic-arns} is set), {@code POST /hooks/cloudformation}. The documents come from the in-memory
   * role snapshot and never touch the HSM, so they answer on the IO thread: no thread hand-off per request on the
   * listener that takes the most traffic (docs/PERFORMANCE.md, part 3). The hook route alone is dispatched to a
   * worker, since it reads a body and calls AWS.
   */
  public static Router publicRoutes(PublicDocuments documents, Duration maxAge, Optional<HookService> hooks,
      BodyLimits limits) {
    Router.Builder b = Router.builder()
        .route(ROLE + "/\\.well-known/openid-configuration",
            new PublicDocumentHandler(documents, PublicDocuments.Kind.DISCOVERY, maxAge), "GET", "HEAD")
        .route(ROLE + "/jwks\\.json",
            new PublicDocumentHandler(documents, PublicDocuments.Kind.JWKS, maxAge), "GET", "HEAD");
    hooks.ifPresent(h -> b.route("/hooks/cloudformation", blocking(new HookHandler(h, limits.maxBody()), limits), "POST"));
    return b.build();
  }

  /** Token listener (engineers' network): token exchange and the caller's role list. */
  public static Router tokenRoutes(TokenExchangeService exchange, RoleListService roleList, BodyLimits limits) {
    return Router.builder()
        .route("/token", blocking(TokenHandlers.token(exchange, limits.maxBody()), limits), "POST")
        .route("/roles", blocking(TokenHandlers.roles(roleList), limits), "GET")
        .build();
  }

  /** Management listener (operators): health, readiness, metrics, and the admin API when a token is configured. */
  public static Router managementRoutes(Readiness readiness, PrometheusMeterRegistry registry,
      Optional<Secret> adminToken, AdminApi admin, BodyLimits limits) {
    Router.Builder b = Router.builder()
        .route("/healthz", blocking(ManagementHandlers.health(), limits), "GET")
        .route("/readyz", blocking(ManagementHandlers.ready(readiness), limits), "GET")
        .route("/metrics", blocking(ManagementHandlers.metrics(registry), limits), "GET");
    if (adminToken.isPresent()) { // without admin.token-file the admin API is off: its paths are 404
      Secret t = adminToken.get();
      long maxBody = limits.maxBody();
      // the token is checked on the IO thread, before the body is read: a caller without it costs no body buffer
      b.route("/admin/roles", admin(t, ManagementHandlers.listRoles(admin), limits), "GET")
          .route("/admin/roles", admin(t, ManagementHandlers.createRole(admin, maxBody), limits), "POST")
          .route(ADMIN_ROLE, admin(t, ManagementHandlers.showRole(admin), limits), "GET")
          .route(ADMIN_ROLE, admin(t, ManagementHandlers.revokeRole(admin), limits), "DELETE")
          .route(ADMIN_ROLE + "/extend", admin(t, ManagementHandlers.extendRole(admin, maxBody), limits), "POST")
          .route(ADMIN_ROLE + "/rotate", admin(t, ManagementHandlers.rotateRole(admin), limits), "POST")
          .route(ADMIN_ROLE + "/provision", admin(t, ManagementHandlers.provisionRole(admin), limits), "POST")
          .route("/admin/accounts/([^/]+)", admin(t, ManagementHandlers.showAccount(admin), limits), "GET");
    }
    return b.build();
  }

  private static HttpHandler admin(Secret token, HttpHandler handler, BodyLimits limits) {
    return ManagementHandlers.admin(token, blocking(handler, limits));
  }
}
