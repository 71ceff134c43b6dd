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
import com.doit.idp.server.RequestContext;
import com.doit.idp.server.sso.SsoException;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.sso.VerifiedEngineer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decisions of {@code POST /token} (docs/TOKEN-EXCHANGE.md, RFC 8693): form, SSO token, rate limit, target,
 * role, then minting. No HTTP here: the handler passes the decoded form and writes what comes back; refusals are
 * {@link OAuthError}s, whose codes the web layer alone turns into statuses.
 *
 * <p>Order, and the answer at each step:
 * <ol>
 *   <li>form ({@link TokenRequest}): {@code unsupported_grant_type}, {@code invalid_request};
 *   <li>the SSO token ({@link SsoVerifier}): {@code invalid_grant} with the verifier's reason, or
 *       {@code temporarily_unavailable} when the SSO issuer cannot be read;
 *   <li>the engineer's rate limit: {@code too_many_requests} with a retry-after (after the SSO check, because the
 *       limit is per engineer: requests without a valid SSO token are not limited here);
 *   <li>the target: {@code invalid_target} when {@code audience} is not {@code issuer.audience}, {@code resource}
 *       is not a role ARN, its role name is not {@code <prefix><this engineer>}, or this engineer has no active role
 *       in that account. The role looked up is always (ARN's account, verified engineer): the engineer in the
 *       request is never taken from the ARN, so nobody obtains another engineer's role;
 *   <li>minting ({@link TokenMinter}): an {@link HsmException} (the HSM cannot sign, or the role directory is
 *       stale) propagates as itself, after its audit line.
 * </ol>
 * The clock is read once per request: the SSO token's times, the rate limit, the role's window and the minted
 * token's {@code iat}/{@code exp} are all judged at that one instant, so a grant window that closes while the
 * request runs is {@code invalid_target}, never a half-decided request (docs/TOKEN-EXCHANGE.md).
 *
 * <p>Every outcome writes one audit line before this returns or throws: {@code token.issued} (engineer, account,
 * kid, jti, request id, remote address) or {@code token.denied} with the reason; never a token. Anything else (a
 * bug, an audit log that cannot be written) propagates as itself.
 *
 * <p>Thread-safe.
 */
public final class TokenExchangeService {
  /** Audit reason of a request whose body was over {@code http.max-body} ({@link #refusedBeforeParsing}). */
  public static final String BODY_TOO_LARGE = "body_too_large";
  /** Audit reason of a request whose body was not a well-formed form ({@link #refusedBeforeParsing}). */
  public static final String MALFORMED_BODY = "malformed_body";

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
   * @throws OAuthError for every refusal
   * @throws HsmException when the HSM cannot sign or the role directory is stale
   */
  public TokenResponse exchange(Map<String, List<String>> form, RequestContext ctx) {
    Timer.Sample sample = metrics.startExchange();
    Attempt a = new Attempt(ctx, clock.instant());
    try {
      return decide(form, a);
    } catch (Refusal r) {
      deny(a, r.reason);
      throw r.error;
    } catch (HsmException e) {
      deny(a, "hsm_unavailable");
      throw e;
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
    } catch (OAuthError e) {
      throw new Refusal(e.code().code(), e);
    }
    VerifiedEngineer engineer = verify(request.subjectToken(), a.now);
    a.engineer = engineer.engineer();
    Optional<RoleArn> arn = RoleArn.parse(request.resource());
    arn.ifPresent(r -> a.account = r.account());

    Optional<Duration> wait = limiter.acquire(engineer.engineer(), a.now);
    if (wait.isPresent()) {
      throw new Refusal("rate_limited", new OAuthError(OAuthError.Code.TOO_MANY_REQUESTS,
          "too many token requests: retry later", wait.get()));
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
      // STS takes a source identity of 2..64 characters (docs/ARCHITECTURE.md "What AWS STS demands")
      throw new Refusal("bad_engineer_id", new OAuthError(OAuthError.Code.INVALID_GRANT,
          "your engineer id is too short to be an AWS source identity"));
    }
    // Active at this request's instant, for at least the whole second the minted token's iat names: a window that
    // ends within it would give a token that expires when it is issued.
    SupportRole role = roles.active(id, a.now)
        .filter(r -> r.expiresAt().getEpochSecond() > a.now.getEpochSecond())
        .orElseThrow(() -> target("no_active_role", "you have no active support role in this account"));
    MintedToken token = minter.mint(engineer, role, a.now);
    a.kid = token.kid();
    audit.write(a.event(AuditEvent.TOKEN_ISSUED).jti(token.jti()));
    metrics.issued(token.algorithm());
    return new TokenResponse(token.token(), token.lifetimeSeconds());
  }

  private VerifiedEngineer verify(String subjectToken, Instant now) {
    try {
      return sso.verify(subjectToken, now);
    } catch (SsoException e) {
      if (e.unavailable()) {
        throw new Refusal(e.reason().code(), new OAuthError(OAuthError.Code.TEMPORARILY_UNAVAILABLE,
            "the SSO issuer cannot be reached: retry later"));
      }
      throw new Refusal(e.reason().code(), new OAuthError(OAuthError.Code.INVALID_GRANT, e.getMessage()));
    }
  }

  private static Refusal target(String reason, String description) {
    return new Refusal(reason, new OAuthError(OAuthError.Code.INVALID_TARGET, description));
  }

  /**
   * Audits a token request that the HTTP layer refused before its form could be read: {@link #BODY_TOO_LARGE} or
   * {@link #MALFORMED_BODY} (wrong content type, bad encoding, too many parameters). One {@code token.denied} line,
   * as for every other refusal.
   */
  public void refusedBeforeParsing(String reason, RequestContext ctx) {
    deny(new Attempt(ctx, clock.instant()), reason);
  }

  private void deny(Attempt a, String reason) {
    metrics.refused(reason);
    audit.write(a.event(AuditEvent.TOKEN_DENIED).reason(reason));
  }

  /** What is known so far of one request, for its audit line, and its one clock reading. Confined to its thread. */
  private static final class Attempt {
    final RequestContext ctx;
    final Instant now;
    String engineer;
    String account;
    String kid;

    Attempt(RequestContext ctx, Instant now) {
      this.ctx = ctx;
      this.now = now;
    }

    AuditEvent event(String name) {
      return new AuditEvent(now, name, engineer, account, kid, null, null, ctx.requestId(), ctx.remoteAddr(), null, null);
    }
  }

  /** A refusal on its way out: the audit and metrics reason, and what the client gets. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;
    final OAuthError error;

    Refusal(String reason, OAuthError error) {
      super(reason, null, false, false);
      this.reason = reason;
      this.error = error;
    }
  }
}
