package com.doit.idp.server.token;

import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.config.RateLimit;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.role.MutableClock;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.doit.idp.server.sso.SsoVerifier;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The token path wired as the server wires it, over a fake HSM ({@link InMemoryRoleKeyStore}), a real audit log
 * file, a Prometheus registry and a clock the test moves. Roles are created through {@link RoleService}.
 */
final class TokenFixture implements AutoCloseable {
  static final String BASE = "https://oidc.aws-ops.doit-intl.com";
  static final Duration LIFETIME = Duration.ofSeconds(300);
  static final Duration JWKS_MAX_AGE = Duration.ofSeconds(300);
  static final Duration CACHE_TTL = Duration.ofSeconds(30);

  final MutableClock clock = new MutableClock(Instant.now());
  final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  final RoleNames names = new RoleNames(BASE, "DoiT-Support-", StsCheck.AUDIENCE);
  final Path auditFile;
  final FileAuditLog audit;
  final RoleService roles;
  final RoleDirectory directory;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final TokenMetrics metrics = new TokenMetrics(registry);
  final TokenMinter minter;

  TokenFixture(Path dir) {
    auditFile = dir.resolve("audit.log");
    audit = new FileAuditLog(auditFile);
    roles = new RoleService(store, new RoleService.Settings(Duration.ofHours(24), Duration.ofDays(30), 100,
        JWKS_MAX_AGE, LIFETIME, SigningAlgorithm.RS256), clock, audit, names);
    directory = new RoleDirectory(store, clock, CACHE_TTL);
    directory.refresh();
    minter = new TokenMinter(store, names, LIFETIME, clock, metrics);
  }

  SupportRole create(String account, String engineer, SigningAlgorithm alg) {
    return create(account, engineer, alg, Duration.ofHours(24));
  }

  SupportRole create(String account, String engineer, SigningAlgorithm alg, Duration ttl) {
    SupportRole r = roles.create(new RoleId(account, engineer), Optional.of(ttl), Optional.of(alg), "test");
    directory.refresh();
    return r;
  }

  TokenExchangeService exchange(SsoVerifier sso, RateLimit limit) {
    return new TokenExchangeService(sso, directory, minter, names, new EngineerRateLimiter(limit, clock), audit,
        metrics, clock);
  }

  /** Moves the clock and re-reads the HSM, as the background refresh would have. */
  void advance(Duration d) {
    clock.advance(d);
    directory.refresh();
  }

  List<String> auditLines() {
    try {
      return Files.readAllLines(auditFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SsoVerifier verifier(SsoTestIssuer issuer, MutableClock clock) {
    return new SsoVerifier(issuer.issuer(), SsoTestIssuer.config(), clock);
  }

  @Override
  public void close() {
    audit.close();
    registry.close();
  }
}
