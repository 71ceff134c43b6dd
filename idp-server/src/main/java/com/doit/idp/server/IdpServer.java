package com.doit.idp.server;

import com.doit.idp.audit.AuditLog;
import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.server.admin.AdminApi;
import com.doit.idp.server.health.Readiness;
import com.doit.idp.server.jwks.PublicDocuments;
import com.doit.idp.server.metrics.RuntimeMetrics;
import com.doit.idp.server.metrics.TimedRoleKeyStore;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.token.RequestContext;
import com.doit.idp.server.token.RoleListService;
import com.doit.idp.server.token.TokenExchangeService;
import com.doit.idp.server.web.Draining;
import com.doit.idp.server.web.HandlerChains;
import com.doit.idp.server.web.PemTls;
import com.doit.idp.server.web.TokenEndpoints;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server process without its {@code main}: the role directory and its refresh, the periodic gc sweep, and the
 * three Undertow listeners (public, token, management) of SPEC.md "Listeners". Embeddable: tests build one with
 * {@link #builder}, on port 0, and read the bound ports with {@link #address}.
 *
 * <p>The server does not own the {@link RoleKeyStore} it is given (the caller closes it after {@link #close}); it
 * owns the audit log it opens itself. Thread-safe; {@link #close} is idempotent.
 */
public final class IdpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IdpServer.class);
  /** Names of the listeners, as in the configuration ({@code listen.<name>}) and the log. */
  public static final List<String> LISTENERS = List.of("public", "token", "management");
  private static final Duration GC_EVERY = Duration.ofMinutes(1);
  private static final Duration PING_EVERY = Duration.ofSeconds(1);
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private record Listener(String name, Undertow undertow, Draining draining, InetSocketAddress address,
      boolean tls) {}

  private final Map<String, Listener> listeners;
  private final ScheduledExecutorService scheduler;
  private final AuditLog ownedAudit;
  private final RoleDirectory directory;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final RuntimeMetrics runtimeMetrics;
  private boolean closed;

  private IdpServer(Map<String, Listener> listeners, ScheduledExecutorService scheduler, AuditLog ownedAudit,
      RoleDirectory directory, Readiness readiness, PrometheusMeterRegistry registry, RuntimeMetrics runtimeMetrics) {
    this.listeners = listeners;
    this.scheduler = scheduler;
    this.ownedAudit = ownedAudit;
    this.directory = directory;
    this.readiness = readiness;
    this.registry = registry;
    this.runtimeMetrics = runtimeMetrics;
  }

  public static Builder builder(IdpConfig config) {
    return new Builder(config);
  }

  /** The bound address of listener {@code name} (the actual port when the configured one was 0). */
  public InetSocketAddress address(String name) {
    Listener l = listeners.get(name);
    if (l == null) throw new IllegalArgumentException("no listener " + name);
    return l.address;
  }

  /** {@code http(s)://host:port} of listener {@code name}. */
  public URI url(String name) {
    Listener l = listeners.get(name);
    return URI.create((l.tls ? "https" : "http") + "://" + hostPort(address(name)));
  }

  public RoleDirectory directory() {
    return directory;
  }

  public Readiness readiness() {
    return readiness;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /**
   * Stops gracefully: new requests get 503 JSON, requests in flight get up to 10 s to finish, then the listeners
   * close and the background tasks stop. Does not close the role key store.
   */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (Listener l : listeners.values()) l.draining.shutdown();
    long deadline = System.nanoTime() + DRAIN.toNanos();
    for (Listener l : listeners.values()) {
      try {
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        if (!l.draining.awaitDrained(left)) log.warn("shutdown-timeout name={}", l.name);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Listener l : listeners.values()) l.undertow.stop();
    scheduler.shutdownNow();
    try {
      // The caller closes the store once this returns: a sweep or refresh still running would meet a closed store.
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) log.warn("background-tasks-still-running");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownedAudit != null) ownedAudit.close();
    runtimeMetrics.close();
    log.info("stopped");
  }

  /** Collects what the server needs; {@link #start} reads the HSM, schedules the background work and binds. */
  public static final class Builder {
    private final IdpConfig config;
    private RoleKeyStore store;
    private Clock clock = Clock.systemUTC();
    private AuditLog audit;
    private PrometheusMeterRegistry registry;
    private TokenEndpoints tokenEndpoints;
    private BooleanSupplier ssoKeysLoaded;
    private Provisioner provisioner;
    private Duration gcEvery = GC_EVERY;

    private Builder(IdpConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * How often the garbage-collection sweep runs (default one minute). Tests shorten it to see the sweep delete a
     * retired key without waiting a minute of real time; what it deletes is decided by the clock, not by this.
     */
    public Builder gcEvery(Duration every) {
      if (every.isNegative() || every.isZero()) throw new IllegalArgumentException("gcEvery must be positive");
      this.gcEvery = every;
      return this;
    }

    /** The HSM (required); not closed by the server. */
    public Builder roleKeyStore(RoleKeyStore s) {
      this.store = s;
      return this;
    }

    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /** An audit log to use instead of opening {@code audit.file}; not closed by the server. */
    public Builder auditLog(AuditLog a) {
      this.audit = a;
      return this;
    }

    public Builder meterRegistry(PrometheusMeterRegistry r) {
      this.registry = r;
      return this;
    }

    /**
     * Replaces the token decisions behind {@code POST /token} and {@code GET /roles} (for tests of the HTTP layer);
     * by default they are the real ones, built from the configuration.
     */
    public Builder tokenEndpoints(TokenEndpoints t) {
      this.tokenEndpoints = t;
      return this;
    }

    /**
     * The customer-account provisioner behind the admin API's {@code "provision": true} and
     * {@code ?deprovision=true}; without one they are refused. Not closed by the server.
     */
    public Builder provisioner(Provisioner p) {
      this.provisioner = p;
      return this;
    }

    /** Whether the SSO signing keys are loaded (part of readiness); by default the SSO verifier's answer. */
    public Builder ssoKeysLoaded(BooleanSupplier s) {
      this.ssoKeysLoaded = s;
      return this;
    }

    /**
     * Starts the server. A first failure to read the HSM is logged, not fatal: the directory retries in the
     * background and {@code /readyz} says 503 until it succeeds.
     *
     * @throws com.doit.idp.config.ConfigException when a TLS file cannot be used
     * @throws RuntimeException when a listener cannot bind
     */
    public IdpServer start() {
      Objects.requireNonNull(store, "roleKeyStore");
      PrometheusMeterRegistry reg = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      AuditLog ownedAudit = audit == null ? new FileAuditLog(config.audit().file()) : null;
      AuditLog auditLog = audit != null ? audit : ownedAudit;
      RoleKeyStore timed = new TimedRoleKeyStore(store, reg);
      RoleNames names = RoleNames.of(config);
      RoleDirectory directory = new RoleDirectory(timed, clock, config.roles().cacheTtl());
      try {
        directory.refresh();
      } catch (RuntimeException e) {
        log.warn("role-directory-first-refresh-failed: {}", e.toString());
      }
      RoleService roles = new RoleService(timed, RoleService.Settings.of(config), clock, auditLog, names);
      TokenEndpoints endpoints = tokenEndpoints;
      BooleanSupplier ssoReady = ssoKeysLoaded;
      if (endpoints == null) {
        // Main under --dev puts the development issuer into sso.issuer before it gets here.
        URI ssoIssuer = config.sso().issuer().orElseThrow(
            () -> new com.doit.idp.config.ConfigException("sso.issuer: required"));
        SsoVerifier sso = new SsoVerifier(ssoIssuer, config.sso(), clock);
        endpoints = new TokenServices(
            TokenExchangeService.create(config, sso, directory, timed, auditLog, reg, clock),
            new RoleListService(sso, directory, names));
        if (ssoReady == null) ssoReady = sso::isReady;
      }
      if (ssoReady == null) ssoReady = () -> true;
      Readiness readiness = new Readiness(timed, directory, ssoReady, clock, PING_EVERY);

      Gauge.builder("idp.roles.active", directory, d -> d.activeCount()).description("active support roles")
          .register(reg);
      Gauge.builder("idp.roles.max.active", config.roles(), r -> r.maxActive())
          .description("roles.max-active: creations beyond it are refused").register(reg);
      Gauge.builder("idp.hsm.up", readiness, r -> r.hsmUp() ? 1 : 0).description("1 while the HSM answers pings")
          .register(reg);
      RuntimeMetrics runtimeMetrics = RuntimeMetrics.bind(reg);

      ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "idp-background");
        t.setDaemon(true);
        return t;
      });
      directory.startRefreshing(scheduler);
      scheduler.scheduleWithFixedDelay(() -> sweep(roles, directory), gcEvery.toMillis(), gcEvery.toMillis(),
          TimeUnit.MILLISECONDS);
      // Keeps the HSM-up gauge current even when nobody probes /readyz.
      scheduler.scheduleWithFixedDelay(() -> {
        try {
          readiness.check();
        } catch (RuntimeException e) {
          log.warn("readiness-check-failed: {}", e.toString());
        }
      }, PING_EVERY.toMillis(), PING_EVERY.toMillis(), TimeUnit.MILLISECONDS);

      long maxBody = config.http().maxBody();
      PublicDocuments documents = new PublicDocuments(directory, names, clock, 10_000);
      AdminApi admin = new AdminApi(roles, directory, clock, Optional.ofNullable(provisioner));
      Map<String, HttpHandler> routes = new LinkedHashMap<>();
      routes.put("public", HandlerChains.publicRoutes(documents, config.http().jwksMaxAge()));
      routes.put("token", HandlerChains.tokenRoutes(endpoints, maxBody));
      routes.put("management", HandlerChains.managementRoutes(readiness, reg, config.admin().token(), admin, maxBody));
      Map<String, IdpConfig.Listener> configured = Map.of("public", config.listen().publicListener(),
          "token", config.listen().token(), "management", config.listen().management());

      Map<String, Listener> started = new LinkedHashMap<>();
      try {
        for (String name : LISTENERS) {
          HandlerChains.Chain chain = name.equals("public")
              ? HandlerChains.nonBlockingChain(name, reg, routes.get(name))
              : HandlerChains.chain(name, reg, routes.get(name), maxBody);
          started.put(name, listen(name, configured.get(name), chain, maxBody));
        }
      } catch (RuntimeException e) {
        for (Listener l : started.values()) l.undertow.stop();
        scheduler.shutdownNow();
        if (ownedAudit != null) ownedAudit.close();
        runtimeMetrics.close();
        throw e;
      }
      return new IdpServer(started, scheduler, ownedAudit, directory, readiness, reg, runtimeMetrics);
    }

    private Listener listen(String name, IdpConfig.Listener l, HandlerChains.Chain chain, long maxBody) {
      Undertow.ListenerBuilder lb = new Undertow.ListenerBuilder().setHost(l.address().host())
          .setPort(l.address().port()).setRootHandler(chain.root());
      if (l.tls()) {
        lb.setType(Undertow.ListenerType.HTTPS)
            .setSslContext(PemTls.serverContext("listen." + name, l.tlsCert().get(), l.tlsKey().get()));
      } else {
        lb.setType(Undertow.ListenerType.HTTP);
      }
      int workers = name.equals("management") ? 4 : Math.max(16, config.hsm().sessions() * 2);
      Undertow u = Undertow.builder()
          .addListener(lb)
          .setIoThreads(name.equals("public") ? 2 : 1)
          .setWorkerThreads(workers)
          // Limits against hostile clients, set explicitly rather than left to Undertow's generous defaults.
          // MAX_HEADER_SIZE bounds the request line (so the URL) plus all headers.
          .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
          .setServerOption(UndertowOptions.MAX_HEADERS, 64)
          .setServerOption(UndertowOptions.MAX_COOKIES, 16)
          .setServerOption(UndertowOptions.MAX_PARAMETERS, 32)
          // Only a backstop for bodies no handler reads: Bodies counts bytes and answers 413 JSON past http.max-body,
          // but Undertow's own limit drops the connection without an answer, and it counts bytes as they are
          // buffered (up to a buffer ahead of the handler), so it must sit well above http.max-body.
          .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, maxBody + 1024 * 1024)
          .setServerOption(UndertowOptions.ALLOW_ENCODED_SLASH, false)
          .setServerOption(UndertowOptions.ENABLE_HTTP2, false)
          .setServerOption(UndertowOptions.ALWAYS_SET_DATE, true)
          // Slow clients: 10 s to send the request head, a connection with no byte either way for 30 s is closed
          // (a body trickled slower is cut off), and an idle keep-alive connection is closed after 30 s. XNIO's READ_TIMEOUT socket
          // option is not used: with Undertow 2.4.4 it throws RejectedExecutionException (XNIO007007) when a
          // response completes on a worker thread.
          .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 10_000)
          .setServerOption(UndertowOptions.IDLE_TIMEOUT, 30_000)
          .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 30_000)
          .build();
      u.start();
      InetSocketAddress bound = (InetSocketAddress) u.getListenerInfo().get(0).getAddress();
      log.info("listening name={} address={}", name, hostPort(bound));
      return new Listener(name, u, chain.draining(), bound, l.tls());
    }

    private static void sweep(RoleService roles, RoleDirectory directory) {
      try {
        RoleService.GcReport r = roles.gc(false, "server");
        if (!r.expiredRoles().isEmpty() || !r.deletedKeys().isEmpty()) {
          log.info("gc expired_roles={} deleted_keys={}", r.expiredRoles().size(), r.deletedKeys().size());
          directory.refresh();
        }
      } catch (RuntimeException e) {
        log.warn("gc-failed: {}", e.toString());
      }
    }
  }

  /** The token listener's decisions: {@link TokenExchangeService} and {@link RoleListService}. */
  private record TokenServices(TokenExchangeService exchange, RoleListService roleList) implements TokenEndpoints {
    @Override
    public Map<String, Object> exchange(Map<String, List<String>> form, String requestId, String remoteAddr) {
      return exchange.exchange(form, new RequestContext(requestId, remoteAddr)).toJson();
    }

    @Override
    public void refused(ClientError error, String requestId, String remoteAddr) {
      exchange.refusedBeforeParsing(error, new RequestContext(requestId, remoteAddr));
    }

    @Override
    public Map<String, Object> roles(String bearerToken) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("roles", roleList.rolesFor(bearerToken));
      return m;
    }
  }
}
