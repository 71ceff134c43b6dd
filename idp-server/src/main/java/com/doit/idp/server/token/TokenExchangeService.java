package com.doit.idp.server.token;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.sso.SsoException;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.sso.VerifiedEngineer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decisions of {@code POST /token} (SPEC.md "Token: POST /token", RFC 8693): form, SSO token, rate limit,
 * target, role, then minting. No HTTP here: the handler passes the decoded form and writes what comes back.
 *
 * <p>Order, and the answer at each step:
 * <ol>
 *   <li>form ({@link TokenRequest}): {@code unsupported_grant_type}, {@code invalid_request};
 *   <li>the SSO token ({@link SsoVerifier}): {@code invalid_grant} with the verifier's reason, or 503
 *       {@code temporarily_unavailable} when the SSO issuer cannot be read;
 *   <li>the engineer's rate limit: 429 {@code too_many_requests} with {@code Retry-After} (after the SSO check,
 *       because the limit is per engineer: requests without a valid SSO token are not limited here);
 *   <li>the target: {@code invalid_target} when {@code audience} is not {@code issuer.audience}, {@code resource}
 *       is not a role ARN, its role name is not {@code <prefix><this engineer>}, or this engineer has no active role
 *       in that account. The role looked up is always (ARN's account, verified engineer): the engineer in the
 *       request is never taken from the ARN, so nobody obtains another engineer's role;
 *   <li>minting ({@link TokenMinter}): 503 {@code temporarily_unavailable} when the HSM cannot sign or the role
 *       directory is stale.
 * </ol>
 * Every outcome writes one audit line before this returns or throws: {@code token.issued} (engineer, account,
 * kid, jti, request id, remote address) or {@code token.denied} with the reason; never a token. Every refusal is a
 * {@link ClientError}; anything else (a bug, an audit log that cannot be written) propagates as itself.
 *
 * <p>Thread-safe.
 */
public final class TokenExchangeService {
  /** Seconds a client should wait after a 503 before trying again. */
  static final String RETRY_AFTER_UNAVAILABLE = "5";

  private final SsoVerifier sso;
  private final RoleDirectory roles;
  private final TokenMinter minter;
  private final RoleNames names;
  private final EngineerRateLimiter limiter;
  private final AuditLog audit;
  private final TokenMetrics metrics;
  private final Clock clock;

  public TokenExchangeService(SsoVerifier sso, RoleDirectory roles, TokenMinter minter, RoleNames names,
      EngineerRateLimiter limiter, AuditLog audit, TokenMetrics metrics, Clock clock) {
    this.sso = sso;
    this.roles = roles;
    this.minter = minter;
    this.names = names;
    this.limiter = limiter;
    this.audit = audit;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Wires the service from the configuration: the minter, the rate limiter and the meters on {@code registry}. */
  public static TokenExchangeService create(IdpConfig config, SsoVerifier sso, RoleDirectory roles,
      RoleKeyStore store, AuditLog audit, MeterRegistry registry, Clock clock) {
    TokenMetrics metrics = new TokenMetrics(registry);
    RoleNames names = RoleNames.of(config);
    TokenMinter minter = new TokenMinter(store, names, config.tokens().lifetime(), clock, metrics);
    EngineerRateLimiter limiter = new EngineerRateLimiter(config.http().rateLimit(), clock);
    return new TokenExchangeService(sso, roles, minter, names, limiter, audit, metrics, clock);
  }

  /**
   * Exchanges an SSO ID token for a token of one support role.
   *
   * @param form the decoded form body: each parameter name with its values in order
   * @throws ClientError for every refusal (status, RFC 6749 code, description, headers)
   */
  public TokenResponse exchange(Map<String, List<String>> form, RequestContext ctx) {
    Timer.Sample sample = metrics.startExchange();
    Attempt a = new Attempt(ctx);
    try {
      return decide(form, a);
    } catch (Refusal r) {
      deny(a, r.reason);
      throw r.error;
    } catch (RuntimeException e) {
      deny(a, "server_error");
      throw e;
    } finally {
      metrics.stopExchange(sample);
    }
  }

  private TokenResponse decide(Map<String, List<String>> form, Attempt a) {
    TokenRequest request;
    try {
      request = TokenRequest.parse(form);
    } catch (ClientError e) {
      throw new Refusal(e.error(), e);
    }
    VerifiedEngineer engineer = verify(request.subjectToken());
    a.engineer = engineer.engineer();
    Optional<RoleArn> arn = RoleArn.parse(request.resource());
    arn.ifPresent(r -> a.account = r.account());

    Optional<Duration> wait = limiter.acquire(engineer.engineer());
    if (wait.isPresent()) {
      long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
      throw new Refusal("rate_limited", new ClientError(429, "too_many_requests",
          "too many token requests: retry later", Map.of("Retry-After", Long.toString(seconds))));
    }
    if (request.audience().isPresent() && !request.audience().get().equals(names.audience())) {
      throw target("invalid_audience", "audience must be " + names.audience());
    }
    if (arn.isEmpty()) throw target("bad_resource", "resource must be a role ARN arn:aws:iam::<account>:role/<name>");
    // the role is always this engineer's: the engineer comes from the SSO token, never from the request
    RoleId id = new RoleId(arn.get().account(), engineer.engineer());
    if (!arn.get().roleName().equals(names.roleName(id))) {
      throw target("foreign_role", "resource is not your support role: it must be role/" + names.roleName(id));
    }
    if (!TokenMinter.isSourceIdentity(engineer.engineer())) {
      // aws-sts-rules.md 4: a source identity has at least 2 characters
      throw new Refusal("bad_engineer_id", new ClientError(400, "invalid_grant",
          "your engineer id is too short to be an AWS source identity"));
    }
    MintedToken token;
    try {
      SupportRole role = roles.active(id)
          .filter(r -> r.expiresAt().getEpochSecond() > clock.instant().getEpochSecond())
          .orElseThrow(() -> target("no_active_role", "you have no active support role in this account"));
      token = minter.mint(engineer, role);
    } catch (HsmException e) {
      throw new Refusal("hsm_unavailable", new ClientError(503, "temporarily_unavailable",
          "the signing service is unavailable: retry later", Map.of("Retry-After", RETRY_AFTER_UNAVAILABLE)));
    }
    a.kid = token.kid();
    audit.write(a.event(AuditEvent.TOKEN_ISSUED).jti(token.jti()));
    metrics.issued(token.algorithm().name());
    return new TokenResponse(token.token(), token.lifetimeSeconds());
  }

  private VerifiedEngineer verify(String subjectToken) {
    try {
      return sso.verify(subjectToken);
    } catch (SsoException e) {
      if (e.unavailable()) {
        throw new Refusal(e.reason().code(), new ClientError(503, "temporarily_unavailable",
            "the SSO issuer cannot be reached: retry later", Map.of("Retry-After", RETRY_AFTER_UNAVAILABLE)));
      }
      throw new Refusal(e.reason().code(), new ClientError(400, "invalid_grant", e.getMessage()));
    }
  }

  private static Refusal target(String reason, String description) {
    return new Refusal(reason, new ClientError(400, "invalid_target", description));
  }

  /**
   * Audits a token request that the HTTP layer refused before its form could be read: reason {@code body_too_large}
   * (413) or {@code malformed_body} (wrong content type, bad encoding, too many parameters). One {@code token.denied}
   * line, as for every other refusal.
   */
  public void refusedBeforeParsing(ClientError error, RequestContext ctx) {
    deny(new Attempt(ctx), error.status() == 413 ? "body_too_large" : "malformed_body");
  }

  private void deny(Attempt a, String reason) {
    metrics.refused(reason);
    audit.write(a.event(AuditEvent.TOKEN_DENIED).reason(reason));
  }

  /** What is known so far of one request, for its audit line. Confined to the request's thread. */
  private final class Attempt {
    final RequestContext ctx;
    String engineer;
    String account;
    String kid;

    Attempt(RequestContext ctx) {
      this.ctx = ctx;
    }

    AuditEvent event(String name) {
      return AuditEvent.of(clock.instant(), name).role(account, engineer).kid(kid)
          .request(ctx.requestId(), ctx.remoteAddr());
    }
  }

  /** A refusal on its way out: the audit and metrics reason, and what the client gets. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;
    final ClientError error;

    Refusal(String reason, ClientError error) {
      super(reason, null, false, false);
      this.reason = reason;
      this.error = error;
    }
  }
}
