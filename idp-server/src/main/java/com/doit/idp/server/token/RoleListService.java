package com.doit.idp.server.token;

import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.sso.SsoException;
import com.doit.idp.server.sso.SsoVerifier;
import com.doit.idp.server.sso.VerifiedEngineer;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decisions of {@code GET /roles} (docs/TOKEN-EXCHANGE.md): the caller's active roles, the caller being whoever
 * the SSO ID token in {@code Authorization: Bearer} names. A missing or refused token is {@code invalid_token}; an
 * unreachable SSO issuer is {@code temporarily_unavailable}; a stale role directory propagates as
 * {@link HsmException}. No HTTP here. Thread-safe.
 */
public final class RoleListService {
  private final SsoVerifier sso;
  private final RoleDirectory roles;
  private final RoleNames names;

  public RoleListService(SsoVerifier sso, RoleDirectory roles, RoleNames names) {
    this.sso = sso;
    this.roles = roles;
    this.names = names;
  }

  /**
   * The caller's active roles, ordered by account: each {@code {"account", "role_arn", "issuer", "expires_at"}},
   * {@code expires_at} an RFC 3339 UTC time in whole seconds. Empty when the caller has none.
   *
   * @param bearerSsoToken the SSO ID token, or null when the request carried none
   * @throws OAuthError {@code invalid_token} or {@code temporarily_unavailable}
   * @throws HsmException when the role directory has not been refreshed within {@code roles.cache-ttl}
   */
  public List<Map<String, Object>> rolesFor(String bearerSsoToken) {
    if (bearerSsoToken == null || bearerSsoToken.isEmpty()) {
      throw new OAuthError(OAuthError.Code.INVALID_TOKEN, "an SSO ID token is required: Authorization: Bearer <token>");
    }
    VerifiedEngineer engineer;
    try {
      engineer = sso.verify(bearerSsoToken);
    } catch (SsoException e) {
      if (e.unavailable()) {
        throw new OAuthError(OAuthError.Code.TEMPORARILY_UNAVAILABLE, "the SSO issuer cannot be reached: retry later");
      }
      throw new OAuthError(OAuthError.Code.INVALID_TOKEN, e.getMessage());
    }
    return roles.activeFor(engineer.engineer()).stream().map(this::json).toList();
  }

  private Map<String, Object> json(SupportRole r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("account", r.id().account());
    m.put("role_arn", names.roleArn(r.id()));
    m.put("issuer", names.issuer(r.id()));
    m.put("expires_at", r.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }
}
