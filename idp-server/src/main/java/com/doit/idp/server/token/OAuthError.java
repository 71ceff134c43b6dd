package com.doit.idp.server.token;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A request the token services refuse, as they decide it: an error code, a short description for the client, and
 * for a refusal that will pass, when to try again. There is no HTTP status here: the web layer turns each code into
 * its status and headers in one place ({@code web.ErrorMapping}), so a service never decides one.
 *
 * <p>The description names no secret, no token and nothing of a token's content. Immutable; thread-safe.
 */
public final class OAuthError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The codes, as written in {@code "error"}. */
  public enum Code {
    /** RFC 6749 5.2: a parameter missing, repeated or malformed. */
    INVALID_REQUEST("invalid_request"),
    /** RFC 6749 5.2: a grant type other than token exchange. */
    UNSUPPORTED_GRANT_TYPE("unsupported_grant_type"),
    /** RFC 6749 5.2: the SSO ID token is not valid for this service. */
    INVALID_GRANT("invalid_grant"),
    /** RFC 8693 2.2.2: no such role for this engineer, or an audience we do not issue for. */
    INVALID_TARGET("invalid_target"),
    /** RFC 6750 3.1: the bearer SSO ID token is missing or not valid. */
    INVALID_TOKEN("invalid_token"),
    /** Over the engineer's {@code http.rate-limit}; comes with a retry-after. */
    TOO_MANY_REQUESTS("too_many_requests"),
    /** RFC 6749 4.1.2.1: the service cannot decide now (the SSO issuer cannot be read); the caller may retry. */
    TEMPORARILY_UNAVAILABLE("temporarily_unavailable");

    private final String code;

    Code(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Code code;
  private final transient Duration retryAfter;

  public OAuthError(Code code, String description) {
    this(code, description, null);
  }

  /** @param retryAfter how long until the same request may succeed; null when unknown */
  public OAuthError(Code code, String description, Duration retryAfter) {
    super(description, null, false, false);
    this.code = Objects.requireNonNull(code, "code");
    this.retryAfter = retryAfter;
  }

  public Code code() {
    return code;
  }

  /** The {@code error_description}. */
  public String description() {
    return getMessage();
  }

  /** How long until the same request may succeed, when the service knows. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
