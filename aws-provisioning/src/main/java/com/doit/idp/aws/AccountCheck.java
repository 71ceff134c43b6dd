package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a live look into a customer account found: whether our service may assume its management role, and if so how
 * many of IAM's 100 OIDC providers the account uses and which of them are ours (one per support role provisioned
 * there, named by their issuer). Immutable and thread-safe.
 *
 * @param reason why the role could not be assumed or read, in words the customer can act on; empty when assumable
 * @param failure the kind of failure; empty when assumable
 * @param oidcProvidersUsed empty when the providers could not be listed
 * @param ourProviders the support roles whose OIDC provider exists in the account, in order; empty when unknown
 */
public record AccountCheck(
    String account,
    String managementRoleArn,
    boolean assumable,
    Optional<String> reason,
    Optional<ProvisioningException.Kind> failure,
    OptionalInt oidcProvidersUsed,
    List<RoleId> ourProviders) {

  public AccountCheck {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(managementRoleArn, "managementRoleArn");
    ourProviders = List.copyOf(ourProviders);
    if (assumable != reason.isEmpty()) throw new IllegalArgumentException("a reason goes with a failure only");
  }

  static AccountCheck ok(String account, String roleArn, int providers, List<RoleId> ours) {
    return new AccountCheck(account, roleArn, true, Optional.empty(), Optional.empty(), OptionalInt.of(providers), ours);
  }

  static AccountCheck failed(String account, String roleArn, ProvisioningException.Kind kind, String reason) {
    return new AccountCheck(account, roleArn, false, Optional.of(reason), Optional.of(kind), OptionalInt.empty(), List.of());
  }

  /**
   * {@code {"account", "management_role_arn", "assumable", "reason"?, "oidc_providers_used"}} ({@code null} when
   * unknown), the fields the admin API and {@code keys-admin account check --json} share.
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("account", account);
    m.put("management_role_arn", managementRoleArn);
    m.put("assumable", assumable);
    reason.ifPresent(r -> m.put("reason", r));
    m.put("oidc_providers_used", oidcProvidersUsed.isPresent() ? oidcProvidersUsed.getAsInt() : null);
    return m;
  }
}
