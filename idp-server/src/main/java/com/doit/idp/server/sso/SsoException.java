package com.doit.idp.server.sso;

import java.util.Objects;

/**
 * An SSO ID token that {@link SsoVerifier} refused, or could not check. {@link #reason()} is a stable machine code
 * for metrics and the audit log; {@link #getMessage()} is a short description fit for the client. Neither ever
 * echoes the token or any of its content.
 */
public final class SsoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. The codes are stable: dashboards and the audit log use them. */
  public enum Reason {
    /** Not a compact JWS, or a claim of the wrong type. */
    MALFORMED("malformed"),
    /** {@code alg} other than RS256 or ES256 ({@code none}, HS*, PS*, ...), or an encrypted token. */
    UNSUPPORTED_ALG("unsupported_alg"),
    /** A {@code jku}, {@code x5u}, {@code jwk}, {@code x5c} or {@code crit} header: never followed, never trusted. */
    FORBIDDEN_HEADER("forbidden_header"),
    /** No {@code kid}, or none of the issuer's keys has it (after one rate-limited JWKS refetch). */
    UNKNOWN_KID("unknown_kid"),
    BAD_SIGNATURE("bad_signature"),
    WRONG_ISSUER("wrong_issuer"),
    WRONG_AUDIENCE("wrong_audience"),
    /** {@code exp}, {@code iat} or {@code sub} absent (or {@code sub} not a non-empty string). */
    MISSING_CLAIM("missing_claim"),
    /** A claim of {@code sso.required-claims} absent, not a string, or not exactly the configured value. */
    REQUIRED_CLAIM("required_claim"),
    EXPIRED("expired"),
    NOT_YET_VALID("not_yet_valid"),
    ISSUED_IN_FUTURE("issued_in_future"),
    TOO_OLD("too_old"),
    EMAIL_MISSING("email_missing"),
    /** An email that is not {@code local@domain}, or too long. */
    BAD_EMAIL("bad_email"),
    EMAIL_UNVERIFIED("email_unverified"),
    FOREIGN_DOMAIN("foreign_domain"),
    BAD_ENGINEER_ID("bad_engineer_id"),
    /** The SSO issuer's discovery document or keys cannot be fetched: not the caller's fault (503, not 400). */
    SSO_UNAVAILABLE("sso_unavailable");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public SsoException(Reason reason, String description) {
    super(description, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  /** True when the token may well be valid but could not be checked now (the SSO issuer is unreachable). */
  public boolean unavailable() {
    return reason == Reason.SSO_UNAVAILABLE;
  }
}
