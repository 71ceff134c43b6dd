package com.doit.idp.server;

import com.doit.idp.audit.AuditLog;
import com.doit.idp.audit.BoundedDenialAudit;
import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.server.admin.AdminApi;
import com.doit.idp.server.admin.RequestAuditLog;
import com.doit.idp.server.health.Readiness;
import com.doit.idp.server.hook.HookService;
import com.doit.idp.server.jwks.PublicDocuments;
import com.doit.idp.server.metrics.RuntimeMetrics;
import com.doit.idp.server.metrics.TimedRoleKeyStore;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.token.RoleListService;
import com.doit.idp.server.token.TokenExchangeService;
import com.doit.idp.server.web.Draining;
import com.doit.idp.server.web.HandlerChains;
import com.doit.idp.server.web.HttpListener;
import com.doit.idp.server.web.PemTls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
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
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server process without its {@code main}: the role directory and its refresh, the periodic gc sweep, and the
 * three listeners (public, token, management) of docs/HTTP-API.md. Embeddable: tests build one with
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
  /** How often the summary of dropped refusal lines is written once its minute is over. */
  private static final Duration DENIAL_SUMMARY_EVERY = Duration.ofSeconds(10);
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private record Listener(String name, HttpListener http, Draining draining, boolean tls) {}

  private final Map<String, Listener> listeners;
  private final ScheduledExecutorService scheduler;
  private final AuditLog ownedAudit;
  private final BoundedDenialAudit deniedAudit;
  private final RoleDirectory directory;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final RuntimeMetrics runtimeMetrics;
  private boolean closed;

  private IdpServer(Map<String, Listener> listeners, ScheduledExecutorService scheduler, AuditLog ownedAudit,
      BoundedDenialAudit deniedAudit, RoleDirectory directory, Readiness readiness, PrometheusMeterRegistry registry,
      RuntimeMetrics runtimeMetrics) {
    this.listeners = listeners;
    this.scheduler = scheduler;
    this.ownedAudit = ownedAudit;
    this.deniedAudit = deniedAudit;
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
    return l.http.address();
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
   * The stop of SIGTERM (docs/HTTP-API.md "Starting and stopping"): {@code /readyz} answers 503 at once, so that a
   * load balancer stops sending requests; the listeners keep serving for {@code delay} ({@code http.shutdown-delay})
   * while it notices, each answer closing its connection; then {@link #close}. An interrupt cuts the delay short.
   */
  public void stop(Duration delay) {
    readiness.markStopping();
    for (Listener l : listeners.values()) l.draining.closeConnections();
    log.info("stopping: not ready, serving for {} ms more", delay.toMillis());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  /**
   * Stops gracefully: new requests get 503 JSON, requests in flight get up to 10 s to finish, then the listeners
   * close and the background tasks stop. Does not close the role key store. No delay: {@link #stop} is the stop
   * behind a load balancer.
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
    for (Listener l : listeners.values()) l.http.close();
    scheduler.shutdownNow();
    try {
      // The caller closes the store once this returns: a sweep or refresh still running would meet a closed store.
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) log.warn("background-tasks-still-running");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAudit(deniedAudit, ownedAudit);
    runtimeMetrics.close();
    log.info("stopped");
  }

  /** Writes what the bounded refusal audit still holds, then closes the audit log the server opened. */
  private static void closeAudit(BoundedDenialAudit denied, AuditLog owned) {
    try {
      if (denied != null) denied.close();
    } catch (RuntimeException e) {
      log.warn("audit-summary-failed: {}", e.toString());
    } finally {
      if (owned != null) owned.close();
    }
  }

  /** Collects what the server needs; {@link #start} reads the HSM, schedules the background work and binds. */
  public static final class Builder {
    private final IdpConfig config;
    private RoleKeyStore store;
    private Clock clock = Clock.systemUTC();
    private AuditLog audit;
    private PrometheusMeterRegistry registry;
    private BooleanSupplier ssoKeysLoaded;
    private Provisioner provisioner;
    private Duration gcEvery = GC_EVERY;
    private boolean everyDenialAudited;
    private Duration hookRetryBackoff = Duration.ofSeconds(1);

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

    /**
     * Writes a {@code token.denied} line for every refused token request, without the production bound per source
     * ({@link BoundedDenialAudit}): for tests that check one line per refused request, many in a minute.
     */
    public Builder everyDenialAudited() {
      this.everyDenialAudited = true;
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
     * The customer-account provisioner behind the admin API's {@code "provision": true} and
     * {@code ?deprovision=true}; without one they are refused. Not closed by the server.
     */
    public Builder provisioner(Provisioner p) {
      this.provisioner = p;
      return this;
    }

    /**
     * The wait before the second try of a CloudFormation answer's delivery, doubling after (default 1 s); tests
     * shorten it.
     */
    public Builder hookRetryBackoff(Duration first) {
      this.hookRetryBackoff = Objects.requireNonNull(first, "first");
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
      // the admin API's acts name their request in the audit log; the gc sweep's lines pass unchanged
      RequestAuditLog roleAudit = new RequestAuditLog(auditLog);
      RoleService roles = new RoleService(timed, RoleService.Settings.of(config), clock, roleAudit, names);
      Optional<HookService> hooks;
      try {
        hooks = hooks(roles, directory, auditLog);
      } catch (RuntimeException e) {
        if (ownedAudit != null) ownedAudit.close();
        throw e;
      }
      // Main under --dev puts the development issuer into sso.issuer before it gets here.
      URI ssoIssuer = config.sso().issuer().orElseThrow(
          () -> new com.doit.idp.config.ConfigException("sso.issuer: required"));
      SsoVerifier sso = new SsoVerifier(ssoIssuer, config.sso(), clock);
      // Refused requests cost an attacker a connection each: their lines are bounded per source, so that a flood of
      // them cannot fill the disk (docs/THREAT-MODEL.md).
      BoundedDenialAudit deniedAudit = everyDenialAudited ? null : new BoundedDenialAudit(auditLog, clock);
      TokenExchangeService tokenExchange = TokenExchangeService.create(config, sso, directory, timed,
          deniedAudit != null ? deniedAudit : auditLog, reg, clock);
      RoleListService roleList = new RoleListService(sso, directory, names);
      BooleanSupplier ssoReady = ssoKeysLoaded != null ? ssoKeysLoaded : sso::isReady;
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
      every(scheduler, PING_EVERY, "readiness-check-failed", readiness::check);
      if (deniedAudit != null) every(scheduler, DENIAL_SUMMARY_EVERY, "audit-summary-failed", deniedAudit::flush);

      long maxBody = config.http().maxBody();
      Duration bodyTimeout = config.http().bodyTimeout();
      PublicDocuments documents = new PublicDocuments(directory, names, clock, 10_000);
      AdminApi admin = new AdminApi(roles, roleAudit, directory, clock, Optional.ofNullable(provisioner),
          config.sso());
      Map<String, HttpHandler> routes = new LinkedHashMap<>();
      // each listener its own budget of bodies in memory
      routes.put("public", HandlerChains.publicRoutes(documents, config.http().jwksMaxAge(), hooks,
          HandlerChains.bodyLimits(maxBody, bodyTimeout)));
      routes.put("token", HandlerChains.tokenRoutes(tokenExchange, roleList,
          HandlerChains.bodyLimits(maxBody, bodyTimeout)));
      routes.put("management", HandlerChains.managementRoutes(readiness, reg, config.admin().token(), admin,
          HandlerChains.bodyLimits(maxBody, bodyTimeout)));
      Map<String, IdpConfig.Listener> configured = Map.of("public", config.listen().publicListener(),
          "token", config.listen().token(), "management", config.listen().management());

      Map<String, Listener> started = new LinkedHashMap<>();
      try {
        for (String name : LISTENERS) {
          HandlerChains.Chain chain = HandlerChains.chain(name, reg, config.http().trustedProxies(), routes.get(name));
          started.put(name, listen(name, configured.get(name), chain, reg));
        }
      } catch (RuntimeException e) {
        for (Listener l : started.values()) l.http.close();
        scheduler.shutdownNow();
        closeAudit(deniedAudit, ownedAudit);
        runtimeMetrics.close();
        throw e;
      }
      return new IdpServer(started, scheduler, ownedAudit, deniedAudit, directory, readiness, reg, runtimeMetrics);
    }

    /** The CloudFormation hook receiver, when {@code hooks.sns-topic-arns} is set (docs/ONBOARDING.md). */
    private Optional<HookService> hooks(RoleService roles, RoleDirectory directory, AuditLog auditLog) {
      if (!config.hooks().enabled()) return Optional.empty();
      // The hook acts in customers' accounts through the same provisioner as the admin API.
      if (provisioner == null) {
        throw new com.doit.idp.config.ConfigException("hooks.sns-topic-arns: the hook needs AWS provisioning");
      }
      return Optional.of(HookService.create(config, provisioner, roles, directory, auditLog, clock, hookRetryBackoff));
    }

    private Listener listen(String name, IdpConfig.Listener l, HandlerChains.Chain chain, MeterRegistry registry) {
      Optional<SSLContext> tls = l.tls()
          ? Optional.of(PemTls.serverContext("listen." + name, l.tlsCert().get(), l.tlsKey().get()))
          : Optional.empty();
      int workers = name.equals("management") ? 4 : Math.max(16, config.hsm().sessions() * 2);
      HttpListener http = HttpListener.start(new HttpListener.Settings(name, l.address().host(), l.address().port(),
          tls, l.proxyProtocol(), config.http().trustedProxies(), config.http().maxConnections(),
          name.equals("public") ? 2 : 1, workers, config.http().maxBody()), chain.root(), registry);
      log.info("listening name={} address={}", name, hostPort(http.address()));
      return new Listener(name, http, chain.draining(), l.tls());
    }

    /** Runs {@code task} every {@code period}; a failure is logged as {@code failure} and tried again next time. */
    private static void every(ScheduledExecutorService scheduler, Duration period, String failure, Runnable task) {
      scheduler.scheduleWithFixedDelay(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("{}: {}", failure, e.toString());
        }
      }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
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
}
