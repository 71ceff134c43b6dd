package com.doit.idp.role;

import com.nimbusds.jose.jwk.JWK;
import java.util.Objects;

/**
 * One key pair of a role as a {@link RoleKeyStore} sees it: a public JWK (never a private member) and the
 * metadata stored with it. Immutable.
 *
 * @param ref the store's own reference to the HSM objects (opaque outside the store)
 * @param kid the RFC 7638 thumbprint of {@code publicJwk}
 * @param publicJwk the public key as published, with {@code kid}, {@code use: sig} and {@code alg}
 * @param metadata role, algorithm and rotation times, as stored in the HSM
 */
public record RoleKey(String ref, String kid, JWK publicJwk, KeyMetadata metadata) {
  public RoleKey {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(publicJwk, "publicJwk");
    Objects.requireNonNull(metadata, "metadata");
    if (publicJwk.isPrivate()) throw new IllegalArgumentException("a role key carries only its public part");
  }

  public RoleId role() {
    return metadata.role();
  }

  public SigningAlgorithm algorithm() {
    return metadata.algorithm();
  }

  public RoleKey withMetadata(KeyMetadata m) {
    return new RoleKey(ref, kid, publicJwk, m);
  }
}
