package com.doit.idp.aws;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SupportRole;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Ends our access to one customer account: what the stack's {@code Delete} and {@code keys-admin account offboard}
 * do (docs/ONBOARDING.md). Every support role of the account is deprovisioned through the management role, several
 * at once, then its keys are revoked in the HSM; one {@code account.offboarded} audit line says what was removed and
 * what was left. The roles are those in the HSM and those whose OIDC provider is still in the account (a role
 * collected by gc, or revoked by a run that stopped, is found by its provider), so nothing of ours is forgotten.
 *
 * <p>Idempotent, and safe to run again at any point: deprovisioning removes only what is there (the provider last,
 * so a half-removed role is still found), revoking a role already gone is nothing. Keys are revoked even when the
 * account side could not be cleaned: the customer is leaving, and a key without a role in the account mints nothing
 * usable. Thread-safe (the role service serializes its changes).
 */
public final class AccountOffboarding {
  /** At most this many roles are deprovisioned at once (each is a few IAM calls in a row). */
  static final int PARALLEL = 4;

  /**
   * What an offboarding found and did. {@code removed}: roles of ours that no longer exist in the account (and whose
   * keys are gone); {@code left}: roles whose IAM objects are still there, with why. Both sorted; immutable.
   */
  public record Result(String account, List<RoleId> removed, Map<RoleId, String> left) {
    public Result {
      removed = List.copyOf(removed);
      left = new TreeMap<>(left);
    }

    /** {@code removed: A/a, A/b; left: none}: the audit line's reason. */
    public String summary() {
      return "removed: " + (removed.isEmpty() ? "none" : removed.stream().map(RoleId::toString)
          .collect(Collectors.joining(", "))) + "; left: " + (left.isEmpty() ? "none" : left.entrySet().stream()
          .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining("; ")));
    }

    /** {@code {"account", "removed": ["A/E"], "left": [{"role", "reason"}]}}. */
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("account", account);
      m.put("removed", removed.stream().map(RoleId::toString).toList());
      List<Object> l = new ArrayList<>();
      left.forEach((id, why) -> {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("role", id.toString());
        e.put("reason", why);
        l.add(e);
      });
      m.put("left", l);
      return m;
    }
  }

  private final RoleService roles;
  private final Provisioner provisioner;
  private final AuditLog audit;
  private final Clock clock;

  public AccountOffboarding(RoleService roles, Provisioner provisioner, AuditLog audit, Clock clock) {
    this.roles = roles;
    this.provisioner = provisioner;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Offboards {@code account}; {@code actor} goes in every audit line ({@code cloudformation-hook},
   * {@code keys-admin:<user>}). Throws only for the HSM ({@link com.doit.idp.role.HsmException}): an AWS failure
   * leaves the role in {@link Result#left()} and the run goes on.
   */
  public Result offboard(String account, String actor) {
    if (!RoleId.isAccount(account)) throw new IllegalArgumentException("account must be 12 digits");
    List<RoleId> inHsm = roles.roles().stream().map(SupportRole::id).filter(id -> id.account().equals(account)).toList();
    AccountCheck check = provisioner.check(account);
    TreeSet<RoleId> targets = new TreeSet<>(inHsm);
    targets.addAll(check.ourProviders());
    Map<RoleId, String> left = new TreeMap<>();
    if (!check.assumable()) {
      // Without the management role nothing can be removed in the account; the keys still go.
      for (RoleId id : targets) left.put(id, check.reason().orElseThrow());
    } else {
      left.putAll(deprovisionAll(List.copyOf(targets)));
    }
    for (RoleId id : inHsm) {
      try {
        roles.revoke(id, actor);
      } catch (RoleException e) {
        if (e.kind() != RoleException.Kind.NOT_FOUND) throw e; // revoked meanwhile: by another replica, say
      }
    }
    List<RoleId> removed = targets.stream().filter(id -> !left.containsKey(id)).toList();
    Result result = new Result(account, removed, left);
    audit.write(AuditEvent.of(clock.instant(), AuditEvent.ACCOUNT_OFFBOARDED).role(account, null)
        .reason(result.summary()).actor(actor));
    return result;
  }

  /**
   * Deprovisions one role, trying once more after an AWS error: the same offboarding running on another replica
   * (SNS redelivered while this one worked) may have deleted what this run had just read, and IAM then answers
   * {@code NoSuchEntity} to a call this run did not expect to fail; the second run finds it all gone.
   */
  private Report deprovision(RoleId id) {
    try {
      return provisioner.deprovision(id);
    } catch (ProvisioningException e) {
      if (e.kind() != ProvisioningException.Kind.AWS_ERROR) throw e;
      return provisioner.deprovision(id);
    }
  }

  /** Deprovisions each role, {@value #PARALLEL} at a time; returns the ones left, with why. */
  private Map<RoleId, String> deprovisionAll(List<RoleId> ids) {
    Map<RoleId, String> left = new TreeMap<>();
    if (ids.isEmpty()) return left;
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, ids.size()), r -> {
      Thread t = new Thread(r, "offboarding");
      t.setDaemon(true);
      return t;
    });
    try {
      Map<RoleId, Future<?>> running = new LinkedHashMap<>();
      for (RoleId id : ids) running.put(id, pool.submit(() -> deprovision(id)));
      for (Map.Entry<RoleId, Future<?>> e : running.entrySet()) {
        try {
          e.getValue().get();
        } catch (ExecutionException x) {
          left.put(e.getKey(), x.getCause() instanceof ProvisioningException p ? p.getMessage()
              : "deprovision failed: " + x.getCause().getClass().getSimpleName());
        }
      }
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      for (RoleId id : ids) left.putIfAbsent(id, "interrupted before it finished");
    } finally {
      pool.shutdownNow();
    }
    return left;
  }
}
