package com.doit.idp.server.token;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A successful token exchange (RFC 8693 section 2.2.1). {@link #toString()} never shows the token.
 *
 * @param accessToken the minted web-identity token
 * @param expiresIn its lifetime in seconds
 */
public record TokenResponse(String accessToken, long expiresIn) {
  public static final String ISSUED_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
  /** RFC 8693 2.2.1: the token is not an OAuth access token for a resource server. */
  public static final String TOKEN_TYPE = "N_A";

  /** The response body of {@code POST /token} (docs/HTTP-API.md) (to be sent with {@code Cache-Control: no-store}). */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("access_token", accessToken);
    m.put("issued_token_type", ISSUED_TOKEN_TYPE);
    m.put("token_type", TOKEN_TYPE);
    m.put("expires_in", expiresIn);
    return m;
  }

  @Override
  public String toString() {
    return "TokenResponse[accessToken=<redacted>, expiresIn=" + expiresIn + "]";
  }
}
