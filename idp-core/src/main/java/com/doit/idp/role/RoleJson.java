package com.doit.idp.role;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a role, shared by {@code keys-admin role create|show|list --json} and the admin API (SPEC.md).
 */
public final class RoleJson {
  private RoleJson() {}

  public static Map<String, Object> of(SupportRole role, RoleNames names, Instant now) {
    RoleId id = role.id();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", id.toString());
    m.put("account", id.account());
    m.put("engineer", id.engineer());
    m.put("issuer", names.issuer(id));
    m.put("provider_url", names.providerUrl(id));
    m.put("provider_arn", names.providerArn(id));
    m.put("role_name", names.roleName(id));
    m.put("role_arn", names.roleArn(id));
    List<Map<String, Object>> keys = role.keys().stream().map(k -> {
      Map<String, Object> km = new LinkedHashMap<>();
      km.put("kid", k.kid());
      km.put("algorithm", k.algorithm().name());
      km.put("state", role.stateOf(k, now).wire());
      return km;
    }).toList();
    m.put("keys", keys);
    m.put("expires_at", role.expiresAt().toString());
    m.put("trust_policy", names.trustPolicy(id));
    return m;
  }
}
