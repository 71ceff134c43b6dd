package com.doit.idp.server.sso;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What {@link SsoVerifier}'s rules read from an SSO ID token's claims, taken once from a token whose signature was
 * verified: the JSON values as parsed (a {@code String}, {@code Boolean}, {@code Number}, {@code List}, ...), so the
 * rules judge their types on every use. Small on purpose: this is what {@link VerifiedTokens} keeps of an accepted
 * token. Immutable.
 *
 * @param iss the {@code iss} value, or null
 * @param aud the {@code aud} value (a string or a list), or null
 * @param exp {@code exp}, or null when absent
 * @param iat {@code iat}, or null when absent
 * @param nbf {@code nbf}, or null when absent
 * @param sub the {@code sub} value, or null
 * @param email the {@code email} value, or null
 * @param emailVerified the {@code email_verified} value, or null
 * @param required the values of the claims {@code sso.required-claims} names that the token carries
 */
record SsoClaims(Object iss, Object aud, Instant exp, Instant iat, Instant nbf, Object sub, Object email,
    Object emailVerified, Map<String, Object> required) {

  static SsoClaims of(JWTClaimsSet c, Set<String> requiredNames) {
    Map<String, Object> required = new HashMap<>();
    for (String name : requiredNames) {
      Object v = c.getClaim(name);
      if (v != null) required.put(name, v);
    }
    return new SsoClaims(c.getClaim("iss"), c.getClaim("aud"), instant(c.getExpirationTime()),
        instant(c.getIssueTime()), instant(c.getNotBeforeTime()), c.getClaim("sub"), c.getClaim("email"),
        c.getClaim("email_verified"), Map.copyOf(required));
  }

  private static Instant instant(Date d) {
    return d == null ? null : d.toInstant();
  }

  /** Never shows the email: this may end up in a log line. */
  @Override
  public String toString() {
    return "SsoClaims[iss=" + iss + ", exp=" + exp + ", iat=" + iat + "]";
  }
}
