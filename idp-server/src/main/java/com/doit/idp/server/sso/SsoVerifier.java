package com.doit.idp.server.sso;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.sso.SsoException.Reason;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.ByteBuffer;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The SSO verifier: an engineer's SSO ID token in, a {@link VerifiedEngineer} out, or an {@link SsoException}
 * naming why not (docs/TOKEN-EXCHANGE.md "SSO verification", {@code invalid_grant}). All JOSE work is
 * nimbus-jose-jwt's.
 *
 * <p>What it checks, in order: size and compact form; {@code alg} is RS256 or ES256 only (so {@code none}, HS256
 * keyed with the issuer's public key, PS* are refused before any key is looked at); no {@code jku}, {@code x5u},
 * {@code jwk}, {@code x5c} or {@code crit} header (never followed); a {@code kid} among the issuer's keys (see
 * {@link SsoKeys}); the signature; {@code iss} exactly {@code sso.issuer}; {@code aud} holds one of
 * {@code sso.audiences}; {@code exp} not passed (with {@link #CLOCK_SKEW} of leeway, and no more); {@code nbf}, if
 * present, at most {@link #MAX_IAT_IN_FUTURE} ahead; {@code iat} present, at most {@link #MAX_IAT_IN_FUTURE} ahead
 * and no older than {@code sso.max-age};
 * {@code sub} present; every claim of {@code sso.required-claims} a string of exactly its configured value;
 * {@code email} present, {@code email_verified: true} when required, its domain ASCII and exactly one of
 * {@code sso.allowed-domains} (case-insensitive; subdomains do not count), its local part ASCII
 * {@code [A-Za-z0-9._-]}; the engineer id is the local part (or with {@code sso.engineer-id = email} the whole
 * address), lower-cased only then, at most {@value RoleId#MAX_ENGINEER} characters (docs/TOKEN-EXCHANGE.md
 * "Engineer identity").
 *
 * <p>A token accepted once is kept by its hash ({@link VerifiedTokens}): its reuse skips the signature and the JSON
 * parsing, and every rule from {@code iss} on is applied again at each use.
 *
 * <p>Thread-safe. Time comes from the injected {@link Clock}, or from the caller's instant.
 */
public final class SsoVerifier {
  /** Leeway on {@code exp} for clocks a little apart: a few seconds, no more. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(5);
  /** A token issued more than 60 s in the future is refused (docs/TOKEN-EXCHANGE.md). */
  public static final Duration MAX_IAT_IN_FUTURE = Duration.ofSeconds(60);
  /** Far above any real ID token (a few kB), far below the body limit. */
  public static final int MAX_TOKEN_CHARS = 16 * 1024;
  /**
   * Accepted SSO tokens kept so that their reuse skips the signature and the JSON parsing ({@link VerifiedTokens}):
   * far above the tokens a company's engineers hold at once (about one per engineer per hour), a few MB at most.
   */
  static final int MAX_VERIFIED_TOKENS = 10_000;
  /** RFC 5321's longest path; the email also goes into every minted token. */
  static final int MAX_EMAIL_CHARS = 254;

  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

  private final String issuer;
  private final Set<String> audiences;
  private final Set<String> allowedDomains;
  private final IdpConfig.EngineerIdForm engineerId;
  private final Map<String, String> requiredClaims;
  private final boolean requireEmailVerified;
  private final Duration maxAge;
  private final Clock clock;
  private final SsoKeys keys;
  private final VerifiedTokens verified;
  private volatile boolean ready;

  /**
   * @param issuer the SSO issuer: {@code sso.issuer}, or under {@code --dev} the development issuer's URL
   * @param sso the rest of {@code sso.*}
   */
  public SsoVerifier(URI issuer, IdpConfig.Sso sso, Clock clock) {
    this(issuer, sso, clock, SsoKeys.Fetching.DEFAULT);
  }

  SsoVerifier(URI issuer, IdpConfig.Sso sso, Clock clock, SsoKeys.Fetching fetching) {
    this.issuer = Objects.requireNonNull(issuer, "issuer").toString();
    this.audiences = Set.copyOf(sso.audiences());
    this.allowedDomains = Set.copyOf(sso.allowedDomains().stream().map(d -> d.toLowerCase(Locale.ROOT)).toList());
    this.engineerId = sso.engineerId();
    this.requiredClaims = Map.copyOf(sso.requiredClaims());
    if (allowedDomains.size() > 1 && engineerId == IdpConfig.EngineerIdForm.LOCAL_PART) {
      // ConfigLoader refuses this at start; a verifier built otherwise must not accept it either
      throw new IllegalArgumentException("sso.engineer-id must be email when sso.allowed-domains lists several domains");
    }
    this.requireEmailVerified = sso.requireEmailVerified();
    this.maxAge = sso.maxAge();
    this.clock = clock;
    this.keys = new SsoKeys(issuer, fetching);
    this.verified = new VerifiedTokens(MAX_VERIFIED_TOKENS, fetching.cacheTtl(), CLOCK_SKEW, clock);
  }

  /** The configured issuer, exactly as tokens must carry it in {@code iss}. */
  public String issuer() {
    return issuer;
  }

  /**
   * True while the SSO issuer's keys are loaded (for {@code /readyz}). When they are not, tries to load them now;
   * a down issuer is asked at most every few seconds, however often this is called.
   */
  public boolean isReady() {
    if (ready) return true;
    try {
      ready = keys.load();
    } catch (SsoException e) {
      ready = false;
    }
    return ready;
  }

  /**
   * Verifies an SSO ID token.
   *
   * @throws SsoException with the reason it is refused; {@link SsoException#unavailable()} when the SSO issuer
   *     could not be read (the token was not judged)
   */
  public VerifiedEngineer verify(String idToken) {
    return verify(idToken, clock.instant());
  }

  /**
   * Verifies an SSO ID token at {@code now}, the caller's one clock reading for its request.
   *
   * @throws SsoException as {@link #verify(String)}
   */
  public VerifiedEngineer verify(String idToken, Instant now) {
    if (idToken == null || idToken.isEmpty() || idToken.length() > MAX_TOKEN_CHARS) {
      throw refuse(Reason.MALFORMED, "the SSO token is not a JWT");
    }
    ByteBuffer key = VerifiedTokens.key(idToken);
    SsoClaims seen = verified.get(key);
    // a token accepted before: its signature and JSON are done, every other rule is applied again now
    if (seen != null) return judge(seen, now);
    SignedJWT jwt = parse(idToken);
    checkSignature(jwt);
    SsoClaims claims;
    try {
      claims = SsoClaims.of(jwt.getJWTClaimsSet(), requiredClaims.keySet());
    } catch (ParseException e) {
      throw refuse(Reason.MALFORMED, "the SSO token's claims are not valid JSON claims of the right types");
    }
    VerifiedEngineer engineer = judge(claims, now);
    verified.put(key, claims, now); // only once every rule has passed
    return engineer;
  }

  /** Every rule that depends on the time or on the configuration: applied on each use, cached token or not. */
  private VerifiedEngineer judge(SsoClaims claims, Instant now) {
    checkIssuerAndAudience(claims);
    checkTimes(claims, now);
    checkSubjectAndRequiredClaims(claims);
    return engineer(claims);
  }

  private static SignedJWT parse(String idToken) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(idToken);
    } catch (ParseException e) {
      throw refuse(Reason.MALFORMED, "the SSO token is not a JWT");
    }
    // a PlainJWT is alg none; an EncryptedJWT is no ID token we accept
    if (!(jwt instanceof SignedJWT signed)) throw refuse(Reason.UNSUPPORTED_ALG, "the SSO token must be signed with RS256 or ES256");
    JWSHeader h = signed.getHeader();
    if (!ALGORITHMS.contains(h.getAlgorithm())) {
      throw refuse(Reason.UNSUPPORTED_ALG, "the SSO token must be signed with RS256 or ES256");
    }
    // keys named by the token itself are the attacker's choice: never fetched, never trusted
    if (h.getJWKURL() != null || h.getX509CertURL() != null || h.getJWK() != null || h.getX509CertChain() != null
        || h.getCriticalParams() != null) {
      throw refuse(Reason.FORBIDDEN_HEADER, "the SSO token's header names keys or critical extensions");
    }
    if (h.getKeyID() == null || h.getKeyID().isEmpty()) throw refuse(Reason.UNKNOWN_KID, "the SSO token has no kid");
    return signed;
  }

  private void checkSignature(SignedJWT jwt) {
    JWSHeader h = jwt.getHeader();
    // matches kty, kid, use (sig or none), alg (same or none) and, for ES256, the curve P-256
    List<JWK> candidates;
    try {
      candidates = keys.select(JWKMatcher.forJWSHeader(h));
    } catch (SsoException e) {
      ready = false;
      throw e;
    }
    if (candidates.isEmpty()) {
      throw refuse(Reason.UNKNOWN_KID, "the SSO token's kid is not among the SSO issuer's keys");
    }
    ready = true;
    for (JWK k : candidates) {
      try {
        JWSVerifier v = k instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) k);
        if (jwt.verify(v)) return;
      } catch (JOSEException | ClassCastException e) {
        // a key that cannot verify this algorithm is just not the right key
      }
    }
    throw refuse(Reason.BAD_SIGNATURE, "the SSO token's signature is not valid");
  }

  private void checkIssuerAndAudience(SsoClaims claims) {
    if (!issuer.equals(claims.iss())) throw refuse(Reason.WRONG_ISSUER, "the SSO token has another issuer");
    if (!forUs(claims.aud())) throw refuse(Reason.WRONG_AUDIENCE, "the SSO token is not for this service");
  }

  /** {@code aud}, a string or a list, holds one of {@code sso.audiences}. */
  private boolean forUs(Object aud) {
    if (aud instanceof String a) return audiences.contains(a);
    if (aud instanceof List<?> l) {
      for (Object x : l) {
        if (x instanceof String a && audiences.contains(a)) return true;
      }
    }
    return false;
  }

  private void checkTimes(SsoClaims claims, Instant now) {
    Instant exp = claims.exp();
    Instant iat = claims.iat();
    Instant nbf = claims.nbf();
    if (exp == null) throw refuse(Reason.MISSING_CLAIM, "the SSO token has no exp");
    if (iat == null) throw refuse(Reason.MISSING_CLAIM, "the SSO token has no iat");
    if (!now.isBefore(exp.plus(CLOCK_SKEW))) throw refuse(Reason.EXPIRED, "the SSO token has expired");
    if (iat.isAfter(now.plus(MAX_IAT_IN_FUTURE))) {
      throw refuse(Reason.ISSUED_IN_FUTURE, "the SSO token is issued in the future");
    }
    // the issuer's clock may run ahead by as much as we tolerate for iat (ID tokens often set nbf = iat)
    if (nbf != null && now.plus(MAX_IAT_IN_FUTURE).isBefore(nbf)) {
      throw refuse(Reason.NOT_YET_VALID, "the SSO token is not valid yet");
    }
    if (iat.plus(maxAge).isBefore(now)) {
      throw refuse(Reason.TOO_OLD, "the SSO token is older than sso.max-age: sign in again");
    }
  }

  private void checkSubjectAndRequiredClaims(SsoClaims claims) {
    // OpenID Connect Core 1.0 section 2: sub is REQUIRED in an ID token
    if (!(claims.sub() instanceof String sub) || sub.isEmpty()) {
      throw refuse(Reason.MISSING_CLAIM, "the SSO token has no sub");
    }
    for (Map.Entry<String, String> required : requiredClaims.entrySet()) {
      if (!required.getValue().equals(claims.required().get(required.getKey()))) {
        throw refuse(Reason.REQUIRED_CLAIM, "the SSO token does not carry the required claim " + required.getKey()
            + " with its required value (sso.required-claims)");
      }
    }
  }

  private VerifiedEngineer engineer(SsoClaims claims) {
    if (!(claims.email() instanceof String email) || email.isEmpty()) {
      throw refuse(Reason.EMAIL_MISSING, "the SSO token has no email");
    }
    int at = email.lastIndexOf('@');
    if (email.length() > MAX_EMAIL_CHARS || at <= 0 || at == email.length() - 1) {
      throw refuse(Reason.BAD_EMAIL, "the SSO token's email is not an address");
    }
    if (requireEmailVerified && !Boolean.TRUE.equals(claims.emailVerified())) {
      throw refuse(Reason.EMAIL_UNVERIFIED, "the SSO token's email is not verified");
    }
    // ASCII is checked before lower-casing, for the domain and the local part alike: lower-casing U+212A KELVIN
    // SIGN gives an ASCII 'k', so "<U+212A>ate@..." would otherwise become engineer "kate" (docs/TOKEN-EXCHANGE.md).
    String domain = email.substring(at + 1);
    if (!ascii(email, at + 1, email.length(), false) || !allowedDomains.contains(domain.toLowerCase(Locale.ROOT))) {
      throw refuse(Reason.FOREIGN_DOMAIN, "the SSO token's email domain is not allowed");
    }
    if (!ascii(email, 0, at, true)) {
      throw refuse(Reason.BAD_ENGINEER_ID,
          "the SSO token's email must have a local part of ASCII letters, digits, '.', '_' and '-' only");
    }
    String engineer = (engineerId == IdpConfig.EngineerIdForm.EMAIL ? email : email.substring(0, at))
        .toLowerCase(Locale.ROOT);
    if (engineer.length() > RoleId.MAX_ENGINEER) {
      throw refuse(Reason.BAD_ENGINEER_ID, "the engineer id taken from the SSO token's email is longer than "
          + RoleId.MAX_ENGINEER + " characters");
    }
    if (!RoleId.isEngineer(engineer)) {
      throw refuse(Reason.BAD_ENGINEER_ID, "the SSO token's email does not name a valid engineer id");
    }
    return new VerifiedEngineer(engineer, email);
  }

  /**
   * True when {@code s[from, to)} is ASCII letters, digits, {@code '.'} and {@code '-'}, and {@code '_'} too in a
   * local part: {@code [A-Za-z0-9._-]} or {@code [A-Za-z0-9.-]}, judged before anything is lower-cased.
   */
  private static boolean ascii(String s, int from, int to, boolean localPart) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
          || (localPart && c == '_');
      if (!ok) return false;
    }
    return to > from;
  }

  /** How many accepted tokens are kept (tests). */
  long verifiedTokens() {
    return verified.size();
  }

  private static SsoException refuse(Reason reason, String description) {
    return new SsoException(reason, description);
  }
}
