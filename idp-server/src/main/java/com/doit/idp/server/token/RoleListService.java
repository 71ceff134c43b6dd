package com.doit.idp.server.token;

import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.sso.SsoException;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.sso.VerifiedEngineer;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decisions of {@code GET /roles} (SPEC.md): the caller's active roles, the caller being whoever the SSO ID
 * token in {@code Authorization: Bearer} names. A missing or refused token is 401 {@code invalid_token} with
 * {@code WWW-Authenticate: Bearer}; an unreachable SSO issuer or a stale role directory is 503
 * {@code temporarily_unavailable}. Thread-safe.
 */
public final class RoleListService {
  private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer");

  private final SsoVerifier sso;
  private final RoleDirectory roles;
  private final RoleNames names;

  public RoleListService(SsoVerifier sso, RoleDirectory roles, RoleNames names) {
    this.sso = sso;
    this.roles = roles;
    this.names = names;
  }

  /** The token of an {@code Authorization} header value {@code Bearer <token>} (RFC 6750 2.1); null when there is none. */
  public static String bearerToken(String authorization) {
    if (authorization == null || authorization.length() < 7) return null;
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /**
   * The caller's active roles, ordered by account: each {@code {"account", "role_arn", "issuer", "expires_at"}},
   * {@code expires_at} an RFC 3339 UTC time in whole seconds.
   *
   * @param bearerSsoToken the SSO ID token, or null when the request carried none
   * @throws ClientError 401 {@code invalid_token}, or 503 {@code temporarily_unavailable}
   */
  public List<Map<String, Object>> rolesFor(String bearerSsoToken) {
    if (bearerSsoToken == null || bearerSsoToken.isEmpty()) {
      throw new ClientError(401, "invalid_token", "an SSO ID token is required: Authorization: Bearer <token>", CHALLENGE);
    }
    VerifiedEngineer engineer;
    try {
      engineer = sso.verify(bearerSsoToken);
    } catch (SsoException e) {
      if (e.unavailable()) throw unavailable("the SSO issuer cannot be reached: retry later");
      throw new ClientError(401, "invalid_token", e.getMessage(), CHALLENGE);
    }
    List<SupportRole> active;
    try {
      active = roles.activeFor(engineer.engineer());
    } catch (HsmException e) {
      throw unavailable("the role directory is unavailable: retry later");
    }
    return active.stream().map(this::json).toList();
  }

  private Map<String, Object> json(SupportRole r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("account", r.id().account());
    m.put("role_arn", names.roleArn(r.id()));
    m.put("issuer", names.issuer(r.id()));
    m.put("expires_at", r.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }

  private static ClientError unavailable(String description) {
    return new ClientError(503, "temporarily_unavailable", description,
        Map.of("Retry-After", TokenExchangeService.RETRY_AFTER_UNAVAILABLE));
  }
}
