package com.doit.idp.role;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A support role: one (account, engineer) pair with its one key (two during a rotation), as read from the HSM.
 * Immutable and thread-safe. Every time-dependent answer takes {@code now}, so the state of a key and the expiry
 * of the role are exact at the moment of the request, whatever the age of the snapshot it came from.
 */
public record SupportRole(RoleId id, List<RoleKey> keys) {
  private static final Comparator<RoleKey> OLDEST_FIRST =
      Comparator.comparing((RoleKey k) -> k.metadata().signFrom()).thenComparing(RoleKey::kid);

  public SupportRole {
    Objects.requireNonNull(id, "id");
    List<RoleKey> sorted = new ArrayList<>(keys);
    for (RoleKey k : sorted) {
      if (!k.role().equals(id)) throw new IllegalArgumentException("key " + k.kid() + " is not of role " + id);
    }
    if (sorted.isEmpty()) throw new IllegalArgumentException("a role has at least one key");
    sorted.sort(OLDEST_FIRST);
    keys = List.copyOf(sorted);
  }

  /** The end of the grant window: the latest one stored on any of the role's keys. */
  public Instant expiresAt() {
    return keys.stream().map(k -> k.metadata().roleExpiresAt()).max(Comparator.naturalOrder()).orElseThrow();
  }

  public boolean isExpired(Instant now) {
    return !now.isBefore(expiresAt());
  }

  /** Active: inside its grant window and with a key that may sign now. Only active roles mint and publish. */
  public boolean isActive(Instant now) {
    return !isExpired(now) && signingKey(now).isPresent();
  }

  public KeyState stateOf(RoleKey key, Instant now) {
    KeyMetadata m = key.metadata();
    if (m.retireAt().isPresent() && !now.isBefore(m.retireAt().get())) return KeyState.RETIRED;
    if (now.isBefore(m.signFrom())) return KeyState.NEXT;
    return signingCandidate(now).map(k -> k.kid().equals(key.kid())).orElse(false) ? KeyState.ACTIVE : KeyState.RETIRING;
  }

  /** The key that signs now: of the unretired keys whose time has come, the newest. Empty for an expired role. */
  public Optional<RoleKey> signingKey(Instant now) {
    return isExpired(now) ? Optional.empty() : signingCandidate(now);
  }

  private Optional<RoleKey> signingCandidate(Instant now) {
    RoleKey newest = null;
    for (RoleKey k : keys) {
      KeyMetadata m = k.metadata();
      boolean retired = m.retireAt().isPresent() && !now.isBefore(m.retireAt().get());
      if (!retired && !now.isBefore(m.signFrom())) newest = k;
    }
    return Optional.ofNullable(newest);
  }

  /** The keys in the role's JWKS now, oldest first; empty for an expired role. */
  public List<RoleKey> publishedKeys(Instant now) {
    if (isExpired(now)) return List.of();
    return keys.stream().filter(k -> stateOf(k, now).published()).toList();
  }

  /** Keys past their retirement, which garbage collection deletes. */
  public List<RoleKey> retiredKeys(Instant now) {
    return keys.stream().filter(k -> stateOf(k, now) == KeyState.RETIRED).toList();
  }
}
