package com.doit.idp.server;

import java.util.Map;

/**
 * A request refused for a reason the client may know, written as {@code {"error", "error_description"}}
 * (RFC 6749 section 5.2). The description is short and names no secret, no token and no internal class.
 *
 * @see #status() the HTTP status it maps to
 */
public class ClientError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final transient Map<String, String> headers;
  private final transient Map<String, Object> details;

  public ClientError(int status, String error, String description) {
    this(status, error, description, Map.of());
  }

  public ClientError(int status, String error, String description, Map<String, String> headers) {
    this(status, error, description, headers, Map.of());
  }

  /**
   * @param details more members of the error body, after {@code error} and {@code error_description} (for example
   *     a provisioning failure's {@code done} and {@code left}); JSON values, naming no secret
   */
  public ClientError(int status, String error, String description, Map<String, String> headers,
      Map<String, Object> details) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.headers = Map.copyOf(headers);
    this.details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
  }

  public int status() {
    return status;
  }

  /** The RFC 6749 (or our own, documented) error code. */
  public String error() {
    return error;
  }

  /** The {@code error_description}, possibly null. */
  public String description() {
    return getMessage();
  }

  /** Extra response headers, such as {@code Retry-After} or {@code WWW-Authenticate}. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Extra members of the error body, in order; empty for most errors. */
  public Map<String, Object> details() {
    return details;
  }
}
