package com.doit.idp.role;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.config.Values;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The life of support roles, shared by the server's admin API and {@code keys-admin}: create, extend, rotate,
 * revoke, garbage-collect. Decisions only: keys live in the {@link RoleKeyStore}, time comes from the {@link Clock},
 * every change is written to the {@link AuditLog} with its actor.
 *
 * <p>Every method reads the HSM afresh (one scan); none is for the request path. Methods are synchronized, so
 * changes from one process never interleave; two processes changing the same role at the same instant are not
 * coordinated (the HSM offers no transaction), which the runbook says.
 */
public final class RoleService {

  /** The limits and times that shape a role's life. */
  public record Settings(
      Duration defaultTtl, Duration maxTtl, int maxActive, Duration jwksMaxAge, Duration tokenLifetime,
      SigningAlgorithm defaultAlgorithm) {
    public static Settings of(IdpConfig c) {
      return new Settings(c.roles().defaultTtl(), c.roles().maxTtl(), c.roles().maxActive(), c.http().jwksMaxAge(),
          c.tokens().lifetime(), c.tokens().algorithm());
    }
  }

  /** What a garbage collection did (or, dry, would do). */
  public record GcReport(List<RoleId> expiredRoles, List<RoleKey> deletedKeys, boolean dryRun) {}

  private final RoleKeyStore store;
  private final Settings settings;
  private final Clock clock;
  private final AuditLog audit;
  private final RoleNames names;

  public RoleService(RoleKeyStore store, Settings settings, Clock clock, AuditLog audit, RoleNames names) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.audit = audit;
    this.names = names;
  }

  public Settings settings() {
    return settings;
  }

  public RoleNames names() {
    return names;
  }

  /** Groups keys into roles, ordered by role id. */
  public static List<SupportRole> group(List<RoleKey> keys) {
    Map<RoleId, List<RoleKey>> byRole = new TreeMap<>();
    for (RoleKey k : keys) byRole.computeIfAbsent(k.role(), r -> new ArrayList<>()).add(k);
    List<SupportRole> roles = new ArrayList<>(byRole.size());
    byRole.forEach((id, ks) -> roles.add(new SupportRole(id, ks)));
    return roles;
  }

  /** Every role in the HSM, expired ones included until they are collected. */
  public synchronized List<SupportRole> roles() {
    return group(store.list());
  }

  public synchronized Optional<SupportRole> find(RoleId id) {
    return roles().stream().filter(r -> r.id().equals(id)).findFirst();
  }

  /** The role, if it exists and is inside its grant window; else {@link RoleException.Kind#NOT_FOUND}. */
  private SupportRole activeRole(RoleId id, Instant now) {
    return find(id).filter(r -> !r.isExpired(now))
        .orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no active role " + id));
  }

  private Duration checkTtl(Duration ttl) {
    if (ttl.isNegative() || ttl.isZero()) throw new RoleException(RoleException.Kind.INVALID, "ttl must be more than 0");
    if (ttl.compareTo(settings.maxTtl()) > 0) {
      throw new RoleException(RoleException.Kind.INVALID,
          "ttl " + Values.format(ttl) + " exceeds roles.max-ttl " + Values.format(settings.maxTtl()));
    }
    return ttl;
  }

  /**
   * Generates the role's first key in the HSM. Refuses a role that exists and is not expired (extend it instead),
   * and refuses beyond {@code roles.max-active}. An expired role's leftover keys are collected first.
   */
  public synchronized SupportRole create(RoleId id, Optional<Duration> ttl, Optional<SigningAlgorithm> alg, String actor) {
    names.checkFits(id);
    Duration window = checkTtl(ttl.orElse(settings.defaultTtl()));
    Instant now = clock.instant();
    List<SupportRole> all = roles();
    Optional<SupportRole> existing = all.stream().filter(r -> r.id().equals(id)).findFirst();
    if (existing.isPresent() && !existing.get().isExpired(now)) {
      throw new RoleException(RoleException.Kind.CONFLICT, "role " + id + " exists until "
          + existing.get().expiresAt() + ": extend it instead");
    }
    long active = all.stream().filter(r -> !r.isExpired(now)).count();
    if (active >= settings.maxActive()) {
      throw new RoleException(RoleException.Kind.CAPACITY, "roles.max-active reached: " + active
          + " active roles of at most " + settings.maxActive() + "; revoke roles or run gc first");
    }
    existing.ifPresent(r -> collect(r, now, actor));
    KeyMetadata m = new KeyMetadata(id, alg.orElse(settings.defaultAlgorithm()), now, Optional.empty(), now.plus(window));
    RoleKey key = store.generate(m);
    audit.write(AuditEvent.of(now, AuditEvent.ROLE_CREATED).role(id.account(), id.engineer()).kid(key.kid()).actor(actor));
    return new SupportRole(id, List.of(key));
  }

  /** Moves the end of an active role's grant window to now + ttl (at most {@code roles.max-ttl} from now). */
  public synchronized SupportRole extend(RoleId id, Duration ttl, String actor) {
    Instant now = clock.instant();
    Instant until = now.plus(checkTtl(ttl));
    SupportRole role = activeRole(id, now);
    List<RoleKey> keys = new ArrayList<>();
    for (RoleKey k : role.keys()) keys.add(store.relabel(k, k.metadata().withRoleExpiresAt(until)));
    audit.write(AuditEvent.of(now, AuditEvent.ROLE_EXTENDED).role(id.account(), id.engineer())
        .reason("until " + until).actor(actor));
    return new SupportRole(id, keys);
  }

  /**
   * Starts a staged rotation: the new key is published now and signs after one JWKS max-age (STS may hold a JWKS
   * that old); the current key keeps signing until then, and stays published until its last token has expired plus
   * one max-age. Refused while a rotation is still under way (a role never publishes more than two keys).
   */
  public synchronized SupportRole rotate(RoleId id, String actor) {
    Instant now = clock.instant();
    SupportRole role = activeRole(id, now);
    List<RoleKey> live = role.keys().stream().filter(k -> role.stateOf(k, now) != KeyState.RETIRED).toList();
    if (live.size() > 1) {
      Instant done = live.stream().flatMap(k -> k.metadata().retireAt().stream()).max(Instant::compareTo).orElse(now);
      throw new RoleException(RoleException.Kind.CONFLICT,
          "role " + id + " is rotating already; the old key retires at " + done);
    }
    for (RoleKey k : role.retiredKeys(now)) deleteKey(k, now, actor);
    RoleKey current = role.signingKey(now).orElseThrow(
        () -> new RoleException(RoleException.Kind.NOT_FOUND, "role " + id + " has no signing key"));
    Instant signFrom = now.plus(settings.jwksMaxAge());
    Instant retireAt = signFrom.plus(settings.tokenLifetime()).plus(settings.jwksMaxAge());
    RoleKey next = store.generate(new KeyMetadata(id, current.algorithm(), signFrom, Optional.empty(), role.expiresAt()));
    RoleKey old;
    try {
      old = store.relabel(current, current.metadata().withRetireAt(retireAt));
    } catch (RuntimeException e) {
      store.delete(next); // nothing half-done: without the old key's retirement time, the new key must not stay
      throw e;
    }
    audit.write(AuditEvent.of(now, AuditEvent.ROLE_ROTATED).role(id.account(), id.engineer()).kid(next.kid())
        .reason("signs from " + signFrom + "; " + old.kid() + " retires at " + retireAt).actor(actor));
    return new SupportRole(id, List.of(old, next));
  }

  /** Deletes every key of the role from the HSM. Refuses a role that does not exist. */
  public synchronized void revoke(RoleId id, String actor) {
    Instant now = clock.instant();
    SupportRole role = find(id).orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no role " + id));
    for (RoleKey k : role.keys()) deleteKey(k, now, actor);
    audit.write(AuditEvent.of(now, AuditEvent.ROLE_REVOKED).role(id.account(), id.engineer()).actor(actor));
  }

  /** Deletes expired roles and retired keys; with {@code dryRun}, only says what it would delete. */
  public synchronized GcReport gc(boolean dryRun, String actor) {
    Instant now = clock.instant();
    List<RoleId> expired = new ArrayList<>();
    List<RoleKey> deleted = new ArrayList<>();
    for (SupportRole r : roles()) {
      if (r.isExpired(now)) {
        expired.add(r.id());
        deleted.addAll(r.keys());
        if (!dryRun) collect(r, now, actor);
      } else {
        for (RoleKey k : r.retiredKeys(now)) {
          deleted.add(k);
          if (!dryRun) deleteKey(k, now, actor);
        }
      }
    }
    return new GcReport(List.copyOf(expired), List.copyOf(deleted), dryRun);
  }

  private void collect(SupportRole expired, Instant now, String actor) {
    for (RoleKey k : expired.keys()) deleteKey(k, now, actor);
    RoleId id = expired.id();
    audit.write(AuditEvent.of(now, AuditEvent.ROLE_EXPIRED).role(id.account(), id.engineer()).actor(actor));
  }

  private void deleteKey(RoleKey k, Instant now, String actor) {
    store.delete(k);
    audit.write(AuditEvent.of(now, AuditEvent.KEY_DELETED).role(k.role().account(), k.role().engineer())
        .kid(k.kid()).actor(actor));
  }
}
