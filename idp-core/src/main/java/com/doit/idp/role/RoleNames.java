package com.doit.idp.role;

import com.doit.idp.config.IdpConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a role is written outside: its issuer, the IAM provider for it, the customer's role and its trust policy
 * (SPEC.md "Support roles", aws-sts-rules.md sections 1 and 6). Immutable and thread-safe.
 */
public record RoleNames(String baseUrl, String rolePrefix, String audience) {
  /** The longest name IAM gives a role. */
  public static final int MAX_ROLE_NAME = 64;

  public static RoleNames of(IdpConfig config) {
    return new RoleNames(config.issuer().baseUrl(), config.issuer().rolePrefix(), config.issuer().audience());
  }

  /** {@code <base>/<account>/<engineer>}: the token's {@code iss} and the IAM provider URL, compared exactly. */
  public String issuer(RoleId id) {
    return baseUrl + "/" + id.account() + "/" + id.engineer();
  }

  public String jwksUri(RoleId id) {
    return issuer(id) + "/jwks.json";
  }

  /** The provider URL without its scheme, as IAM writes it in ARNs and condition keys. */
  public String providerUrl(RoleId id) {
    String issuer = issuer(id);
    return issuer.substring(issuer.indexOf("://") + 3);
  }

  public String providerArn(RoleId id) {
    return "arn:aws:iam::" + id.account() + ":oidc-provider/" + providerUrl(id);
  }

  public String roleName(RoleId id) {
    return rolePrefix + id.engineer();
  }

  public String roleArn(RoleId id) {
    return "arn:aws:iam::" + id.account() + ":role/" + roleName(id);
  }

  /** Throws {@link RoleException} when the customer role's name would be longer than IAM allows. */
  public void checkFits(RoleId id) {
    if (roleName(id).length() > MAX_ROLE_NAME) {
      throw new RoleException(RoleException.Kind.INVALID, "role name " + roleName(id) + " is longer than "
          + MAX_ROLE_NAME + " characters: shorten issuer.role-prefix or the engineer id");
    }
  }

  /**
   * The trust policy of the customer's role: only our provider, only {@code sts.amazonaws.com}, only this engineer.
   * It allows {@code sts:SetSourceIdentity} because our tokens carry a source identity (aws-sts-rules.md 4, 6).
   */
  public Map<String, Object> trustPolicy(RoleId id) {
    Map<String, Object> equals = new LinkedHashMap<>();
    equals.put(providerUrl(id) + ":aud", audience);
    equals.put(providerUrl(id) + ":sub", id.engineer());
    Map<String, Object> statement = new LinkedHashMap<>();
    statement.put("Effect", "Allow");
    statement.put("Principal", Map.of("Federated", providerArn(id)));
    statement.put("Action", List.of("sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"));
    statement.put("Condition", Map.of("StringEquals", equals));
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("Version", "2012-10-17");
    policy.put("Statement", List.of(statement));
    return policy;
  }
}
