package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.SupportRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of a customer account as {@code GET /admin/accounts/<account>} and {@code keys-admin account check --json}
 * write it (docs/ONBOARDING.md): {@link AccountCheck#toJson()} and {@code "support_roles"}, the roles of the account
 * in our HSM and those whose OIDC provider is in the account, each {@code {"role", "engineer", "in_hsm",
 * "provider_in_account", "expires_at"}} ({@code provider_in_account} null when the account could not be read,
 * {@code expires_at} null for a role that is no longer in the HSM). Stateless.
 */
public final class AccountJson {
  private AccountJson() {}

  /** @param inHsm the roles of the HSM; those of other accounts are ignored */
  public static Map<String, Object> of(AccountCheck check, List<SupportRole> inHsm) {
    Map<RoleId, SupportRole> hsm = new TreeMap<>();
    for (SupportRole r : inHsm) if (r.id().account().equals(check.account())) hsm.put(r.id(), r);
    TreeMap<RoleId, Boolean> all = new TreeMap<>();
    hsm.keySet().forEach(id -> all.put(id, Boolean.TRUE));
    check.ourProviders().forEach(id -> all.put(id, Boolean.TRUE));
    List<Object> roles = new ArrayList<>();
    for (RoleId id : all.keySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", id.toString());
      m.put("engineer", id.engineer());
      m.put("in_hsm", hsm.containsKey(id));
      m.put("provider_in_account", check.assumable() ? check.ourProviders().contains(id) : null);
      m.put("expires_at", hsm.containsKey(id) ? hsm.get(id).expiresAt().toString() : null);
      roles.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>(check.toJson());
    out.put("support_roles", roles);
    return out;
  }
}
