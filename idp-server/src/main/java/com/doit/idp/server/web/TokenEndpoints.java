package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import java.util.List;
import java.util.Map;

/**
 * The seam between the token listener's HTTP handling and the token decisions (SSO verification, minting, role
 * listing, which live in {@code com.doit.idp.server.token} and {@code ...sso}). Implementations throw
 * {@link com.doit.idp.server.ClientError} for refusals and must be thread-safe.
 */
public interface TokenEndpoints {
  /** {@code POST /token}: the parsed form (repeats kept) in, the RFC 8693 response JSON out. */
  Map<String, Object> exchange(Map<String, List<String>> form, String requestId, String remoteAddr);

  /** {@code GET /roles}: the bearer SSO ID token in, {@code {"roles": [...]}} out; 401 if it is not valid. */
  Map<String, Object> roles(String bearerToken);

  /**
   * A {@code POST /token} that the HTTP layer refused before {@link #exchange} could see it (a body too big, of
   * another content type, or not a well-formed form): it is a denied token request all the same, so the
   * implementation audits it like any other refusal. Must not throw; the caller answers with {@code error}.
   */
  default void refused(ClientError error, String requestId, String remoteAddr) {}
}
