package com.doit.idp.server.sso;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.ByteBuffer;
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
  /** A thread's digest and the buffer it feeds it from: a key costs no copy of the token. */
  private static final ThreadLocal<Hashing> HASHING = ThreadLocal.withInitial(Hashing::new);

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

  /**
   * The key of a compact token: the SHA-256 of its bytes. A compact JWS is ASCII, one byte a character; any other
   * character is written as 0xFF and its two UTF-16 bytes, which no ASCII text contains, so two different strings
   * never share their bytes.
   */
  static ByteBuffer key(String token) {
    Hashing h = HASHING.get();
    byte[] buf = h.buffer;
    int n = 0;
    for (int i = 0; i < token.length(); i++) {
      if (n > buf.length - 3) {
        h.digest.update(buf, 0, n);
        n = 0;
      }
      char c = token.charAt(i);
      if (c < 0x80) {
        buf[n++] = (byte) c;
      } else {
        buf[n++] = (byte) 0xFF;
        buf[n++] = (byte) (c >> 8);
        buf[n++] = (byte) c;
      }
    }
    h.digest.update(buf, 0, n);
    return ByteBuffer.wrap(h.digest.digest());
  }

  private static final class Hashing {
    final MessageDigest digest;
    final byte[] buffer = new byte[1024];

    Hashing() {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }
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
