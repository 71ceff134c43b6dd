package com.doit.idp.server.token;

import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.sso.VerifiedEngineer;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * The token minter: (engineer, role) in, a token signed in the HSM out (docs/ARCHITECTURE.md "The request path", step 5).
 *
 * <p>Header {@code alg}, {@code kid}, {@code typ: JWT}; the key is the role's signing key now, chosen by the role's
 * rotation state and named by its {@code kid} (never picked by algorithm). Claims {@code iss} (the role's issuer),
 * {@code sub} (the engineer id), {@code aud} (a single string, as STS demands: docs/ARCHITECTURE.md "What AWS STS demands"), {@code iat}, {@code nbf},
 * {@code exp}, all whole seconds, {@code jti} (128 random bits), {@code email} and
 * {@code https://aws.amazon.com/source_identity} (the engineer id). {@code exp} is {@code iat + tokens.lifetime},
 * but never after the end of the role's grant window: an expired role mints nothing, and a token outliving its
 * role would be the same thing later.
 *
 * <p>Thread-safe. Throws {@link HsmException} when the HSM cannot sign, {@link IllegalArgumentException} when asked
 * for a role that is not the engineer's or that has no signing key now.
 */
public final class TokenMinter {
  public static final String SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";
  /** A role key's header is the same for every token it signs: kept, with its base64url, by kid. */
  private static final int MAX_HEADERS = 10_000;
  /** STS takes tokens of at most 20,000 characters. */
  static final int MAX_TOKEN_CHARS = 20_000;

  private final RoleKeyStore store;
  private final RoleNames names;
  private final Duration lifetime;
  private final Clock clock;
  private final TokenMetrics metrics;
  private final SecureRandom random = new SecureRandom();
  private final Cache<String, JWSHeader> headers = Caffeine.newBuilder().maximumSize(MAX_HEADERS).build();

  public TokenMinter(RoleKeyStore store, RoleNames names, Duration lifetime, Clock clock, TokenMetrics metrics) {
    if (lifetime.getSeconds() < 1 || lifetime.getNano() != 0) throw new IllegalArgumentException("lifetime must be whole seconds");
    this.store = store;
    this.names = names;
    this.lifetime = lifetime;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * True when STS accepts the engineer id as a source identity: 2..64 characters of {@code [\w+=,.@-]}
   * (docs/ARCHITECTURE.md "What AWS STS demands"). A one-character id is a valid engineer id but not this.
   */
  public static boolean isSourceIdentity(String engineer) {
    if (engineer == null || engineer.length() < 2 || engineer.length() > 64) return false;
    for (int i = 0; i < engineer.length(); i++) {
      if (!isIamNameChar(engineer.charAt(i))) return false;
    }
    return true;
  }

  /** {@code [\w+=,.@-]}: a character of IAM role names, role session names and source identities. */
  static boolean isIamNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
        || "+=,.@-".indexOf(c) >= 0;
  }

  /** {@link #mint(VerifiedEngineer, SupportRole, Instant)} at the clock's instant. */
  public MintedToken mint(VerifiedEngineer engineer, SupportRole role) {
    return mint(engineer, role, clock.instant());
  }

  /**
   * Mints a token issued at {@code now}, the caller's one clock reading for its request: the signing key and the
   * token's times are chosen at that instant, so a caller that checked the role at {@code now} gets a token.
   *
   * @throws IllegalArgumentException when the role is not the engineer's or has no signing key at {@code now}
   */
  public MintedToken mint(VerifiedEngineer engineer, SupportRole role, Instant now) {
    if (!role.id().engineer().equals(engineer.engineer())) {
      throw new IllegalArgumentException("role " + role.id() + " is not engineer " + engineer.engineer() + "'s");
    }
    if (!isSourceIdentity(engineer.engineer())) {
      throw new IllegalArgumentException("engineer id is not a valid AWS source identity (2..64 characters)");
    }
    RoleKey key = role.signingKey(now).orElseThrow(() -> new IllegalArgumentException("role " + role.id() + " has no signing key now"));
    Instant iat = Instant.ofEpochSecond(now.getEpochSecond());
    Instant exp = iat.plus(lifetime);
    Instant roleEnd = Instant.ofEpochSecond(role.expiresAt().getEpochSecond());
    if (roleEnd.isBefore(exp)) exp = roleEnd;
    if (!exp.isAfter(iat)) throw new IllegalArgumentException("role " + role.id() + " expires within a second");

    byte[] jtiBytes = new byte[16];
    random.nextBytes(jtiBytes);
    String jti = Base64URL.encode(jtiBytes).toString();
    JWSHeader header = header(key);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(names.issuer(role.id()))
        .subject(engineer.engineer())
        .audience(names.audience()) // one audience: nimbus writes it as a string, not an array
        .issueTime(Date.from(iat))
        .notBeforeTime(Date.from(iat))
        .expirationTime(Date.from(exp))
        .jwtID(jti)
        .claim("email", engineer.email())
        .claim(SOURCE_IDENTITY_CLAIM, engineer.engineer())
        .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    sign(jwt, store.signer(key));
    String token = jwt.serialize();
    if (token.length() > MAX_TOKEN_CHARS) throw new IllegalStateException("minted token longer than STS accepts");
    return new MintedToken(token, key.kid(), jti, key.algorithm(), iat, exp);
  }

  /**
   * {@code {"alg", "kid", "typ": "JWT"}} of the key, parsed back from its own base64url so that nimbus keeps that
   * encoding and does not write the header's JSON again for every token.
   */
  private JWSHeader header(RoleKey key) {
    JWSHeader h = headers.getIfPresent(key.kid());
    if (h != null) return h;
    JWSHeader built = new JWSHeader.Builder(key.algorithm().jws()).keyID(key.kid()).type(JOSEObjectType.JWT).build();
    try {
      h = JWSHeader.parse(built.toBase64URL());
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("a header nimbus wrote does not parse", e);
    }
    headers.put(key.kid(), h);
    return h;
  }

  private void sign(SignedJWT jwt, JWSSigner signer) {
    long start = System.nanoTime();
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      // a signer over PKCS#11 reports HSM failures as JOSEException; the message may name internals, so drop it
      throw new HsmException("signing failed in the HSM (" + e.getClass().getSimpleName() + ")", e);
    } finally {
      metrics.signTimer().record(Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
