package com.doit.idp.server.admin;

import com.doit.idp.aws.AccountJson;
import com.doit.idp.aws.ProvisioningException;
import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.aws.Report;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.config.Values;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.RequestContext;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of the admin API (docs/HTTP-API.md): input checks, then {@link RoleService} with actor
 * {@code admin-api}, then a refresh of the {@link RoleDirectory} so this replica serves the change at once (other
 * replicas see it within {@code roles.cache-ttl}). No HTTP here.
 *
 * <p>{@link RoleException}s map to client errors as follows (docs/HTTP-API.md):
 * NOT_FOUND -> 404 {@code not_found}; CONFLICT -> 409 {@code conflict} (the role exists: extend it; a rotation is
 * under way); INVALID -> 400 {@code invalid_request}; CAPACITY -> 507 {@code insufficient_storage}: the HSM's
 * configured capacity ({@code roles.max-active}) is reached, which is the server's condition rather than a conflict
 * with the role asked for, and which an operator must resolve (revoke or gc), so a 5xx that alerts is right.
 * HSM failures propagate as {@link com.doit.idp.role.HsmException} (503). Thread-safe ({@link RoleService} is
 * synchronized).
 */
public final class AdminApi {
  public static final String ACTOR = "admin-api";
  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
  private static final Set<String> CREATE_FIELDS = Set.of("account", "engineer", "ttl", "algorithm", "provision");
  private static final Set<String> EXTEND_FIELDS = Set.of("ttl");
  /** A server built without a provisioner refuses provisioning requests, never silently ignores them. */
  static final String NO_PROVISIONING = "provisioning is not configured";

  private final RoleService roles;
  private final RequestAuditLog audit;
  private final RoleDirectory directory;
  private final Clock clock;
  private final Optional<Provisioner> provisioner;
  private final IdpConfig.Sso sso;

  /**
   * @param roles the role service, writing its audit lines to {@code audit}
   * @param audit the log {@code roles} writes to: each act's lines name its request
   * @param provisioner for {@code "provision": true} and {@code ?deprovision=true} (docs/PROVISIONING.md)
   * @param sso how SSO emails become engineer ids: a role is created only for an id one can become
   */
  public AdminApi(RoleService roles, RequestAuditLog audit, RoleDirectory directory, Clock clock,
      Optional<Provisioner> provisioner, IdpConfig.Sso sso) {
    this.sso = sso;
    this.roles = roles;
    this.audit = audit;
    this.directory = directory;
    this.clock = clock;
    this.provisioner = provisioner;
  }

  /**
   * {@code POST /admin/roles}: creates a role; the answer is the role as {@code keys-admin role create --json}. Its
   * audit lines carry {@code ctx}'s request id and client address, as those of every act below.
   */
  public Map<String, Object> create(Map<String, Object> body, RequestContext ctx) {
    return audit.during(ctx, () -> create(body));
  }

  private Map<String, Object> create(Map<String, Object> body) {
    onlyFields(body, CREATE_FIELDS);
    RoleId id = roleId(string(body, "account", true), string(body, "engineer", true));
    sso.engineerIdProblem(id.engineer()).ifPresent(why -> {
      throw invalid("no SSO user has engineer id " + id.engineer() + ": " + why);
    });
    Optional<Duration> ttl = Optional.ofNullable(string(body, "ttl", false)).map(AdminApi::ttl);
    Optional<SigningAlgorithm> alg = Optional.ofNullable(string(body, "algorithm", false)).map(a -> {
      try {
        return SigningAlgorithm.parse(a);
      } catch (IllegalArgumentException e) {
        throw invalid("algorithm must be RS256 or ES256");
      }
    });
    Provisioner p = flag(body, "provision") ? provisioner.orElseThrow(() -> invalid(NO_PROVISIONING)) : null;
    // A plan the management policy refuses is refused before the key is generated: nothing half-done.
    if (p != null) provisioning(() -> p.plan(id), null);
    SupportRole role = run(() -> roles.create(id, ttl, alg, ACTOR));
    refresh();
    Map<String, Object> out = new LinkedHashMap<>(RoleJson.of(role, roles.names(), clock.instant()));
    if (p != null) {
      Report report = provisioning(() -> p.provision(id), "created role " + id + " in the HSM, but ");
      out.put("provisioning", ProvisioningJson.report(report));
    }
    return out;
  }

  /** {@code GET /admin/roles}: every role in the HSM, expired ones too until collected. */
  public Map<String, Object> list() {
    List<Map<String, Object>> all = roles.roles().stream()
        .map(r -> RoleJson.of(r, roles.names(), clock.instant())).toList();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("roles", all);
    return m;
  }

  /** {@code GET /admin/roles/<account>/<engineer>}. */
  public Map<String, Object> show(String account, String engineer) {
    RoleId id = pathRoleId(account, engineer);
    SupportRole role = roles.find(id).orElseThrow(() -> new ClientError(404, "not_found", "no role " + id));
    return RoleJson.of(role, roles.names(), clock.instant());
  }

  /** {@code DELETE /admin/roles/<account>/<engineer>[?deprovision=true]}: deletes the role's keys from the HSM. */
  public Map<String, Object> revoke(String account, String engineer, Map<String, ? extends List<String>> query,
      RequestContext ctx) {
    return audit.during(ctx, () -> revoke(account, engineer, query));
  }

  private Map<String, Object> revoke(String account, String engineer, Map<String, ? extends List<String>> query) {
    RoleId id = pathRoleId(account, engineer);
    for (String name : query.keySet()) {
      if (!name.equals("deprovision")) throw invalid("unknown query parameter " + name);
    }
    List<String> dep = query.get("deprovision");
    if (dep != null) {
      if (dep.size() != 1 || !(dep.get(0).equals("true") || dep.get(0).equals("false"))) {
        throw invalid("deprovision must be true or false");
      }
    }
    Provisioner p = dep != null && dep.get(0).equals("true")
        ? provisioner.orElseThrow(() -> invalid(NO_PROVISIONING)) : null;
    if (p != null) provisioning(() -> p.deprovisionPlan(id), null);
    run(() -> {
      roles.revoke(id, ACTOR);
      return null;
    });
    refresh();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", id.toString());
    m.put("revoked", true);
    if (p != null) {
      // The keys went first: that stops every token at once; the IAM objects are harmless without them.
      Report report = provisioning(() -> p.deprovision(id), "revoked role " + id + " (its keys are deleted), but ");
      m.put("deprovisioning", ProvisioningJson.report(report));
    }
    return m;
  }

  /** {@code POST /admin/roles/<account>/<engineer>/extend {"ttl"}}: the window ends ttl from now. */
  public Map<String, Object> extend(String account, String engineer, Map<String, Object> body, RequestContext ctx) {
    return audit.during(ctx, () -> extend(account, engineer, body));
  }

  private Map<String, Object> extend(String account, String engineer, Map<String, Object> body) {
    RoleId id = pathRoleId(account, engineer);
    onlyFields(body, EXTEND_FIELDS);
    Duration ttl = ttl(string(body, "ttl", true));
    SupportRole role = run(() -> roles.extend(id, ttl, ACTOR));
    refresh();
    return RoleJson.of(role, roles.names(), clock.instant());
  }

  /**
   * {@code GET /admin/accounts/<account>}: the account looked at live through its management role, and our support
   * roles there (docs/ONBOARDING.md). Changes nothing; an account that refuses us is a 200 with
   * {@code "assumable": false} and the reason, not an error.
   */
  public Map<String, Object> account(String account) {
    if (!RoleId.isAccount(account)) throw new ClientError(404, "not_found", null);
    Provisioner p = provisioner.orElseThrow(() -> invalid(NO_PROVISIONING));
    return AccountJson.of(p.check(account), roles.roles());
  }

  /**
   * {@code POST /admin/roles/<account>/<engineer>/provision}: sets the role up in the customer's account, or finishes
   * a provisioning that stopped (idempotent: what exists is left as it is). The answer is the report
   * ({@code keys-admin role provision --json}'s). The role must be active in the HSM, as for {@code keys-admin}: a
   * provider for a role that does not sign is of no use. A refused plan is 409 before any call; AWS's failures are
   * 502 with {@code done} and {@code left}.
   */
  public Map<String, Object> provision(String account, String engineer) {
    RoleId id = pathRoleId(account, engineer);
    Provisioner p = provisioner.orElseThrow(() -> invalid(NO_PROVISIONING));
    provisioning(() -> p.plan(id), null);
    boolean active = roles.find(id).map(r -> r.isActive(clock.instant())).orElse(false);
    if (!active) throw new ClientError(404, "not_found", "no active role " + id + ": create it first");
    return ProvisioningJson.report(provisioning(() -> p.provision(id), ""));
  }

  /** {@code POST /admin/roles/<account>/<engineer>/rotate}: starts a staged rotation. */
  public Map<String, Object> rotate(String account, String engineer, RequestContext ctx) {
    return audit.during(ctx, () -> rotate(account, engineer));
  }

  private Map<String, Object> rotate(String account, String engineer) {
    RoleId id = pathRoleId(account, engineer);
    SupportRole role = run(() -> roles.rotate(id, ACTOR));
    refresh();
    return RoleJson.of(role, roles.names(), clock.instant());
  }

  private interface Op<T> {
    T run();
  }

  private static <T> T run(Op<T> op) {
    try {
      return op.run();
    } catch (RoleException e) {
      throw toClientError(e);
    }
  }

  /**
   * Runs a provisioning step, mapping its refusals and failures to client errors. Before the HSM changed
   * ({@code after} null): a refused plan is 409 {@code conflict}. After (the role is created or revoked already, or
   * {@code after} is empty when the HSM is not changed at all): 502 {@code provisioning_failed} for AWS's answers,
   * 409 {@code conflict} for refusals and the quota, each description saying what the HSM change was, what was done
   * in the customer's account and what is left ({@link ProvisioningException} messages name no credential). Every
   * such error also carries {@code done} (the finished steps, as in a report) and {@code left} (what is not done,
   * the failed step first) as JSON arrays, empty when nothing was changed.
   */
  private static <T> T provisioning(Op<T> op, String after) {
    try {
      return op.run();
    } catch (ProvisioningException e) {
      String description = (after == null ? "" : after) + e.getMessage();
      log.warn("admin-provisioning-failed kind={}: {}", e.kind(), description);
      Map<String, Object> failure = ProvisioningJson.failure(e);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("done", failure.get("done"));
      details.put("left", failure.get("left"));
      throw switch (e.kind()) {
        case REFUSED, QUOTA -> new ClientError(409, "conflict", description, Map.of(), details);
        case ACCESS_DENIED, AWS_ERROR, UNREACHABLE ->
            new ClientError(502, "provisioning_failed", description, Map.of(), details);
      };
    } catch (RoleException e) {
      throw toClientError(e);
    }
  }

  static ClientError toClientError(RoleException e) {
    return switch (e.kind()) {
      case NOT_FOUND -> new ClientError(404, "not_found", e.getMessage());
      case CONFLICT -> new ClientError(409, "conflict", e.getMessage());
      case INVALID -> new ClientError(400, "invalid_request", e.getMessage());
      case CAPACITY -> new ClientError(507, "insufficient_storage", e.getMessage());
    };
  }

  /** The change is done in the HSM; a failed refresh only delays this replica's view until the next one. */
  private void refresh() {
    try {
      directory.refresh();
    } catch (RuntimeException e) {
      log.warn("role-directory-refresh-after-admin-failed: {}", e.toString());
    }
  }

  private static ClientError invalid(String description) {
    return new ClientError(400, "invalid_request", description);
  }

  private static void onlyFields(Map<String, Object> body, Set<String> allowed) {
    for (String k : body.keySet()) {
      if (!allowed.contains(k)) throw invalid("unknown field " + (k.length() > 40 ? k.substring(0, 40) + "..." : k));
    }
  }

  private static String string(Map<String, Object> body, String field, boolean required) {
    Object v = body.get(field);
    if (v == null) {
      if (required) throw invalid(field + " is required");
      return null;
    }
    if (!(v instanceof String s)) throw invalid(field + " must be a string");
    return s;
  }

  private static boolean flag(Map<String, Object> body, String field) {
    Object v = body.get(field);
    if (v == null) return false;
    if (!(v instanceof Boolean b)) throw invalid(field + " must be true or false");
    return b;
  }

  private static Duration ttl(String text) {
    try {
      return Values.duration(text);
    } catch (IllegalArgumentException e) {
      throw invalid("ttl must be a duration such as 300s, 15m, 24h or 30d");
    }
  }

  private static RoleId roleId(String account, String engineer) {
    if (!RoleId.isAccount(account)) throw invalid("account must be 12 digits");
    if (!RoleId.isEngineer(engineer)) throw invalid(RoleId.ENGINEER_RULE);
    return new RoleId(account, engineer);
  }

  /** A malformed role in a path names no resource: 404, like any other path that does not exist. */
  private static RoleId pathRoleId(String account, String engineer) {
    if (!RoleId.isAccount(account) || !RoleId.isEngineer(engineer)) throw new ClientError(404, "not_found", null);
    return new RoleId(account, engineer);
  }
}
