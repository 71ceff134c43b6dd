package com.doit.idp.server.web;

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
}
