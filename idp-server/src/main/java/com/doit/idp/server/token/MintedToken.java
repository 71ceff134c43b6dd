package com.doit.idp.server.token;

import com.doit.idp.role.SigningAlgorithm;
import java.time.Instant;

/**
 * A token {@link TokenMinter} signed, with what the audit log and the metrics need of it. {@link #toString()}
 * never shows the token itself.
 */
public record MintedToken(String token, String kid, String jti, SigningAlgorithm algorithm, Instant issuedAt,
    Instant expiresAt) {

  /** Whole seconds from issue to expiry. */
  public long lifetimeSeconds() {
    return expiresAt.getEpochSecond() - issuedAt.getEpochSecond();
  }

  @Override
  public String toString() {
    return "MintedToken[kid=" + kid + ", jti=" + jti + ", alg=" + algorithm + ", exp=" + expiresAt + "]";
  }
}
