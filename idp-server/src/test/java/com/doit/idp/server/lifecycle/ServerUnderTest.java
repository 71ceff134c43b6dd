package com.doit.idp.server.lifecycle;

import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.server.IdpServer;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.token.RequestContext;
import com.doit.idp.server.token.RoleListService;
import com.doit.idp.server.token.TokenExchangeService;
import com.doit.idp.server.web.TokenEndpoints;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts an {@link IdpServer} with the real token decisions ({@link TokenExchangeService}, {@link RoleListService},
 * a real {@link SsoVerifier}) over the server's own role directory, the way production wires them. Used by the
 * in-process fixture and by the second server process alike, so both replicas run the same code.
 */
final class ServerUnderTest {
  private ServerUnderTest() {}

  /**
   * @param gcEvery how often the server's gc sweep runs (the decision what to delete is by {@code clock})
   */
  static IdpServer start(IdpConfig config, RoleKeyStore store, Clock clock, AuditLog audit, Duration gcEvery) {
    SsoVerifier sso = new SsoVerifier(config.sso().issuer().orElseThrow(), config.sso(), clock);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // The token services need the server's role directory, which exists once the server is built: the seam
    // forwards to them from the first request on (the listeners answer nothing before start() returns).
    Deferred endpoints = new Deferred();
    IdpServer server = IdpServer.builder(config).roleKeyStore(store).clock(clock).auditLog(audit)
        .meterRegistry(registry).tokenEndpoints(endpoints).ssoKeysLoaded(sso::isReady).gcEvery(gcEvery).start();
    endpoints.exchange = TokenExchangeService.create(config, sso, server.directory(), store, audit, registry, clock);
    endpoints.roleList = new RoleListService(sso, server.directory(), RoleNames.of(config));
    return server;
  }

  private static final class Deferred implements TokenEndpoints {
    volatile TokenExchangeService exchange;
    volatile RoleListService roleList;

    @Override
    public Map<String, Object> exchange(Map<String, List<String>> form, String requestId, String remoteAddr) {
      return exchange.exchange(form, new RequestContext(requestId, remoteAddr)).toJson();
    }

    @Override
    public Map<String, Object> roles(String bearerToken) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("roles", roleList.rolesFor(bearerToken));
      return m;
    }
  }
}
