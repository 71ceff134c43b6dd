package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoleNamesTest {
  final RoleNames names = new RoleNames("https://oidc.aws-ops.doit-intl.com", "DoiT-Support-", "sts.amazonaws.com");
  final RoleId jane = RoleId.parse("123456789012/jane");

  @Test
  void namesFollowTheSpec() {
    assertEquals("https://oidc.aws-ops.doit-intl.com/123456789012/jane", names.issuer(jane));
    assertEquals("https://oidc.aws-ops.doit-intl.com/123456789012/jane/jwks.json", names.jwksUri(jane));
    assertEquals("oidc.aws-ops.doit-intl.com/123456789012/jane", names.providerUrl(jane));
    assertEquals("arn:aws:iam::123456789012:oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/jane",
        names.providerArn(jane));
    assertEquals("DoiT-Support-jane", names.roleName(jane));
    assertEquals("arn:aws:iam::123456789012:role/DoiT-Support-jane", names.roleArn(jane));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theTrustPolicyAllowsOnlyOurProviderOurAudienceAndThisEngineer() {
    Map<String, Object> policy = names.trustPolicy(jane);
    assertEquals("2012-10-17", policy.get("Version"));
    Map<String, Object> st = ((List<Map<String, Object>>) policy.get("Statement")).get(0);
    assertEquals("Allow", st.get("Effect"));
    assertEquals(Map.of("Federated", names.providerArn(jane)), st.get("Principal"));
    assertEquals(List.of("sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"), st.get("Action"));
    assertEquals(Map.of("StringEquals", Map.of(
        "oidc.aws-ops.doit-intl.com/123456789012/jane:aud", "sts.amazonaws.com",
        "oidc.aws-ops.doit-intl.com/123456789012/jane:sub", "jane")), st.get("Condition"));
  }
}
