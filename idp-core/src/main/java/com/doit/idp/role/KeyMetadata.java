package com.doit.idp.role;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a role key knows about itself, stored in the HSM with the key (SPEC.md: the HSM is the only database).
 * Every backend persists it as {@link #toLabel()} in the key's {@code CKA_LABEL}, so replicas and restarts read
 * the same state, and nothing else is needed to rebuild a role.
 *
 * <p>The label is short enough for the HSMs we target (AWS CloudHSM accepts 127 characters; at most 108 here):
 * {@code aoi1 <account>/<engineer> <alg> <signFrom> <retireAt|-> <roleExpiresAt>}, times in epoch seconds.
 *
 * @param role the role this key signs for, and only for
 * @param algorithm RS256 or ES256
 * @param signFrom the key signs from this instant on (publication starts at creation)
 * @param retireAt empty while the key is current; once a newer key takes over, the instant after which this
 *     key's last token has expired plus one JWKS max-age: it is unpublished and deleted then
 * @param roleExpiresAt the role's grant window ends here; an expired role mints and publishes nothing
 */
public record KeyMetadata(
    RoleId role, SigningAlgorithm algorithm, Instant signFrom, Optional<Instant> retireAt, Instant roleExpiresAt) {

  /** The label prefix that marks our objects; other objects on a shared token are ignored. */
  public static final String PREFIX = "aoi1 ";

  public KeyMetadata {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(algorithm, "algorithm");
    signFrom = whole(Objects.requireNonNull(signFrom, "signFrom"));
    retireAt = Objects.requireNonNull(retireAt, "retireAt").map(KeyMetadata::whole);
    roleExpiresAt = whole(Objects.requireNonNull(roleExpiresAt, "roleExpiresAt"));
  }

  private static Instant whole(Instant t) {
    return Instant.ofEpochSecond(t.getEpochSecond());
  }

  public KeyMetadata withRetireAt(Instant at) {
    return new KeyMetadata(role, algorithm, signFrom, Optional.of(at), roleExpiresAt);
  }

  public KeyMetadata withRoleExpiresAt(Instant at) {
    return new KeyMetadata(role, algorithm, signFrom, retireAt, at);
  }

  public String toLabel() {
    return PREFIX + role + " " + algorithm.name() + " " + signFrom.getEpochSecond() + " "
        + retireAt.map(t -> Long.toString(t.getEpochSecond())).orElse("-") + " " + roleExpiresAt.getEpochSecond();
  }

  /** True when a label is one of ours, whether or not it parses. */
  public static boolean isOurs(String label) {
    return label != null && label.startsWith(PREFIX);
  }

  /**
   * Reads a label written by {@link #toLabel()}; empty for a label that is not ours or is damaged (such objects
   * are left alone, never deleted by us).
   */
  public static Optional<KeyMetadata> parseLabel(String label) {
    if (!isOurs(label)) return Optional.empty();
    String[] f = label.substring(PREFIX.length()).split(" ", -1);
    if (f.length != 5) return Optional.empty();
    try {
      return Optional.of(new KeyMetadata(
          RoleId.parse(f[0]),
          SigningAlgorithm.parse(f[1]),
          Instant.ofEpochSecond(Long.parseLong(f[2])),
          f[3].equals("-") ? Optional.empty() : Optional.of(Instant.ofEpochSecond(Long.parseLong(f[3]))),
          Instant.ofEpochSecond(Long.parseLong(f[4]))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
