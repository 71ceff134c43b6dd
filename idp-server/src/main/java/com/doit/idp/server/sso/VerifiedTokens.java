package com.doit.idp.server.sso;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * SSO ID tokens that {@link SsoVerifier} accepted, so that an engineer who exchanges one SSO token many times pays
 * its signature verification and JSON parsing once (docs/TOKEN-EXCHANGE.md "Verified SSO tokens").
 *
 * <p>Keyed by the SHA-256 of the compact token: the token itself is never kept, and a different token (even one
 * byte) is a different key. The value is the token's {@link SsoClaims}; a hit spares only the work that depends
 * on nothing but the token's bytes and the issuer's keys. The caller applies every rule that depends on time or
 * configuration again on each use, and puts a token here only after it passed all of them: a refused token is never
 * kept, so it can never be taken for an accepted one.
 *
 * <p>Bounded: at most {@code maxEntries} tokens (the least used go first); each lives until its {@code exp} plus the
 * verifier's clock skew, and never longer than {@code maxLife} (the SSO key cache's lifetime, so a key the issuer
 * withdrew is not trusted here longer than the key cache would trust it). Thread-safe.
 */
final class VerifiedTokens {
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  });

  private final Cache<ByteBuffer, SsoClaims> cache;
  private final Duration maxLife;
  private final Duration skew;

  /** @param clock the verifier's clock: entries expire by it, as the tokens they hold do */
  VerifiedTokens(long maxEntries, Duration maxLife, Duration skew, Clock clock) {
    this.maxLife = maxLife;
    this.skew = skew;
    // every entry is put with its own lifetime (below); this is only the bound for anything else
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries)
        .expireAfter(Expiry.<ByteBuffer, SsoClaims>creating((k, v) -> maxLife))
        .ticker(() -> clock.millis() * 1_000_000L)
        .build();
  }

  /** The key of a compact token: its SHA-256. */
  static ByteBuffer key(String token) {
    MessageDigest md = SHA256.get();
    return ByteBuffer.wrap(md.digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** The claims of an accepted token with this key, or null. */
  SsoClaims get(ByteBuffer key) {
    return cache.getIfPresent(key);
  }

  /** Keeps an accepted token's claims until its {@code exp} (plus skew), at most {@code maxLife} from {@code now}. */
  void put(ByteBuffer key, SsoClaims claims, Instant now) {
    Duration left = Duration.between(now, claims.exp().plus(skew));
    if (left.isNegative() || left.isZero()) return;
    cache.policy().expireVariably().orElseThrow().put(key, claims, left.compareTo(maxLife) < 0 ? left : maxLife);
  }

  /** How many tokens are kept (for tests and metrics); approximate under concurrent use. */
  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
