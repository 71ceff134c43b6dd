package com.doit.idp.server.token;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parameters of a token exchange request (RFC 8693 section 2.1), checked for form only. Immutable.
 *
 * <p>Decisions, with the rule behind each:
 * <ul>
 *   <li>a parameter we read that is given more than once is {@code invalid_request} (RFC 6749 3.2: parameters MUST
 *       NOT be included more than once; RFC 8693 allows several {@code resource}/{@code audience}, we take one);
 *   <li>a parameter sent without a value is treated as omitted (RFC 6749 3.1), so an empty required one is
 *       missing ({@code invalid_request}) and an empty optional one is absent;
 *   <li>{@code actor_token} / {@code actor_token_type} are refused ({@code invalid_request}): delegation is not
 *       offered, and ignoring them would silently change what the client asked for;
 *   <li>other unknown parameters (such as {@code scope}) are ignored (RFC 6749 3.1: the server MUST ignore
 *       unrecognized request parameters).
 * </ul>
 * A wrong {@code grant_type} is {@code unsupported_grant_type}, checked before anything else.
 */
record TokenRequest(String subjectToken, String resource, Optional<String> audience) {
  static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final Set<String> SUBJECT_TOKEN_TYPES =
      Set.of("urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:jwt");
  static final String REQUESTED_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
  /** A role ARN is at most 2048 characters (STS's limit on RoleArn); ours are far shorter. */
  private static final int MAX_RESOURCE = 2048;

  static TokenRequest parse(Map<String, List<String>> form) {
    Optional<String> grantType = single(form, "grant_type");
    if (grantType.isEmpty()) throw invalid("grant_type is missing");
    if (!grantType.get().equals(GRANT_TYPE)) {
      throw new OAuthError(OAuthError.Code.UNSUPPORTED_GRANT_TYPE, "grant_type must be " + GRANT_TYPE);
    }
    String subjectToken = single(form, "subject_token").orElseThrow(() -> invalid("subject_token is missing"));
    String subjectTokenType = single(form, "subject_token_type")
        .orElseThrow(() -> invalid("subject_token_type is missing"));
    if (!SUBJECT_TOKEN_TYPES.contains(subjectTokenType)) {
      throw invalid("subject_token_type must be urn:ietf:params:oauth:token-type:id_token or ...:jwt");
    }
    String resource = single(form, "resource").orElseThrow(() -> invalid("resource is missing: name the customer role ARN"));
    if (resource.length() > MAX_RESOURCE) throw invalid("resource is too long");
    Optional<String> audience = single(form, "audience");
    Optional<String> requested = single(form, "requested_token_type");
    if (requested.isPresent() && !requested.get().equals(REQUESTED_TOKEN_TYPE)) {
      throw invalid("requested_token_type must be " + REQUESTED_TOKEN_TYPE);
    }
    if (single(form, "actor_token").isPresent() || single(form, "actor_token_type").isPresent()) {
      throw invalid("actor_token is not supported: no delegation");
    }
    return new TokenRequest(subjectToken, resource, audience);
  }

  /** The parameter's one value; empty when absent or empty; {@code invalid_request} when repeated. */
  private static Optional<String> single(Map<String, List<String>> form, String name) {
    List<String> values = form.get(name);
    if (values == null || values.isEmpty()) return Optional.empty();
    if (values.size() > 1) throw invalid(name + " is repeated");
    String v = values.get(0);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  private static OAuthError invalid(String description) {
    return new OAuthError(OAuthError.Code.INVALID_REQUEST, description);
  }

  @Override
  public String toString() {
    return "TokenRequest[resource=" + resource + ", audience=" + audience + "]";
  }
}
