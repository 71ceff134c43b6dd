package com.doit.idp.aws;

import static com.doit.idp.aws.ProvisioningFixture.NAMES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ManagementPolicyTest {
  private static final RoleId ALICE = new RoleId("123456789012", "alice");
  private final ManagementPolicy policy = ManagementPolicy.load();
  private FakeAws aws;
  private IamProvisioner provisioner;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    aws.account("123456789012", true);
    provisioner = ProvisioningFixture.provisioner(aws);
  }

  @AfterEach
  void stop() {
    provisioner.close();
    aws.close();
  }

  @Test
  void thePlanListsEveryCallWithItsActionAndResourceArn() {
    List<String> lines = provisioner.plan(ALICE).lines();
    assertEquals("provision 123456789012/alice via sts:AssumeRole "
        + "arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE", lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(
        "  iam:CreateRole  arn:aws:iam::123456789012:role/DoiT-Support-alice  # ")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  iam:CreateOpenIDConnectProvider  "
        + "arn:aws:iam::123456789012:oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/alice  # ")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  iam:ListOpenIDConnectProviders  *  # ")), lines.toString());
    assertEquals(List.of(), aws.received(), "planning calls nothing");
  }

  @Test
  void thePlansOfThisVersionPassTheCheck() {
    for (RoleId id : List.of(ALICE, new RoleId("000000000001", "a"), new RoleId("123456789012", "x".repeat(51)))) {
      policy.check(provisioner.plan(id));
      policy.check(provisioner.deprovisionPlan(id));
    }
  }

  @Test
  void aPlanWidenedWithAnInlinePolicyIsRefusedNamingTheCall() {
    Plan widened = provisioner.plan(ALICE).with(new IamCall("iam:PutRolePolicy", NAMES.roleArn(ALICE), "an inline policy"));
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> policy.check(widened));
    assertEquals(ProvisioningException.Kind.REFUSED, e.kind());
    assertTrue(e.getMessage().contains(
        "iam:PutRolePolicy on arn:aws:iam::123456789012:role/DoiT-Support-alice (an inline policy) is not allowed"),
        e.getMessage());
  }

  @Test
  void plansWidenedWithTagsPassRoleOrForeignResourcesAreRefused() {
    Plan plan = provisioner.plan(ALICE);
    List<IamCall> wider = List.of(
        new IamCall("iam:TagRole", NAMES.roleArn(ALICE), "tags"),
        new IamCall("iam:PassRole", NAMES.roleArn(ALICE), "pass"),
        new IamCall("iam:AddClientIDToOpenIDConnectProvider", NAMES.providerArn(ALICE), "client id"),
        new IamCall("iam:DeleteRolePolicy", NAMES.roleArn(ALICE), "inline"),
        new IamCall("iam:CreateRole", "arn:aws:iam::123456789012:role/Admin", "someone else's role"),
        new IamCall("iam:DeletePolicy", "arn:aws:iam::123456789012:policy/CustomerPolicy", "someone else's policy"),
        new IamCall("iam:CreateRole", "arn:aws:iam::210987654321:role/DoiT-Support-alice", "another account"),
        new IamCall("iam:DeleteOpenIDConnectProvider",
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", "the customer's provider"));
    for (IamCall extra : wider) {
      ProvisioningException e = assertThrows(ProvisioningException.class, () -> policy.check(plan.with(extra)), extra.target());
      assertTrue(e.getMessage().contains(extra.target()), e.getMessage());
    }
  }

  @Test
  void aRolePrefixOutsideTheStacksPatternIsRefusedBeforeAnyCall() {
    RoleNames admin = new RoleNames("https://oidc.aws-ops.doit-intl.com", "Admin-", "sts.amazonaws.com");
    try (IamProvisioner p = ProvisioningFixture.provisioner(aws, admin, List.of())) {
      ProvisioningException e = assertThrows(ProvisioningException.class, () -> p.provision(ALICE));
      assertEquals(ProvisioningException.Kind.REFUSED, e.kind());
      assertTrue(e.getMessage().contains("refused before any call: iam:GetRole on arn:aws:iam::123456789012:role/Admin-alice"),
          e.getMessage());
      assertThrows(ProvisioningException.class, () -> p.deprovision(ALICE));
    }
    assertEquals(List.of(), aws.received(), "not even sts:AssumeRole");
  }

  @Test
  void anIssuerOutsideTheStacksProviderPatternIsRefusedBeforeAnyCall() {
    RoleNames other = new RoleNames("https://idp.example.com", "DoiT-Support-", "sts.amazonaws.com");
    try (IamProvisioner p = ProvisioningFixture.provisioner(aws, other, List.of())) {
      ProvisioningException e = assertThrows(ProvisioningException.class, () -> p.plan(ALICE));
      assertTrue(e.getMessage().contains("oidc-provider/idp.example.com/123456789012/alice"), e.getMessage());
    }
    assertEquals(List.of(), aws.received());
  }

  @Test
  void aRoleNameLongerThanIamAllowsIsRefusedBeforeAnyCall() {
    RoleNames longPrefix = new RoleNames("https://oidc.aws-ops.doit-intl.com", "DoiT-Support-Engineer-", "sts.amazonaws.com");
    try (IamProvisioner p = ProvisioningFixture.provisioner(aws, longPrefix, List.of())) {
      RoleException e = assertThrows(RoleException.class, () -> p.provision(new RoleId("123456789012", "e".repeat(51))));
      assertEquals(RoleException.Kind.INVALID, e.kind());
    }
    assertEquals(List.of(), aws.received());
  }

  @Test
  void wildcardsFollowIam() {
    assertTrue(ManagementPolicy.glob("arn:aws:iam::1:role/DoiT-Support*", "arn:aws:iam::1:role/DoiT-Support-a/b"));
    assertTrue(ManagementPolicy.glob("a?c", "abc"));
    assertFalse(ManagementPolicy.glob("a?c", "ac"));
    assertFalse(ManagementPolicy.glob("arn:aws:iam::1:role/DoiT-Support*", "arn:aws:iam::1:role/DoiT-Suppor"));
    assertFalse(ManagementPolicy.glob("a.c", "abc"), "a dot is literal");
    assertTrue(policy.allows("123456789012", "IAM:createrole", "arn:aws:iam::123456789012:role/DoiT-Support-x"),
        "actions compare case-insensitively");
  }

  @Test
  void aPolicyWithDenyOrConditionsIsNotReadAsAllowOnly() {
    Map<String, Object> deny = Map.of("Statement", List.of(Map.of("Effect", "Deny", "Action", "iam:*", "Resource", "*")));
    assertThrows(IllegalArgumentException.class, () -> ManagementPolicy.fromDocument(deny));
    Map<String, Object> cond = Map.of("Statement", List.of(Map.of("Effect", "Allow", "Action", "iam:*", "Resource", "*",
        "Condition", Map.of())));
    assertThrows(IllegalArgumentException.class, () -> ManagementPolicy.fromDocument(cond));
    Map<String, Object> unknown = Map.of("Statement", List.of(Map.of("Effect", "Allow", "Action", "iam:*", "Resource", "*",
        "Condition", Map.of("IpAddress", Map.of("aws:SourceIp", "10.0.0.0/8")))));
    assertThrows(IllegalArgumentException.class, () -> ManagementPolicy.fromDocument(unknown),
        "a condition the checker cannot evaluate would be read as allowing too much");
  }

  @Test
  void anAttachmentIsAllowedOnlyWithThePolicyArnItsConditionNames() {
    IamCall audit = new IamCall("iam:AttachRolePolicy", NAMES.roleArn(ALICE),
        Map.of("iam:PolicyARN", IamProvisioner.SECURITY_AUDIT_ARN), "attach");
    IamCall admin = new IamCall("iam:AttachRolePolicy", NAMES.roleArn(ALICE),
        Map.of("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess"), "attach");
    assertTrue(policy.allows(ALICE.account(), audit));
    assertFalse(policy.allows(ALICE.account(), admin));
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> policy.check(provisioner.plan(ALICE).with(admin)));
    assertTrue(e.getMessage().contains("AdministratorAccess"), e.getMessage());
  }

  @Test
  void aCallOutsideTheCheckedPlanIsNeverSent() {
    IamSession s = new IamSession(null, provisioner.plan(ALICE));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> s.call("iam:DeleteRole", NAMES.roleArn(ALICE), iam -> iam.deleteRole(b -> b.roleName("x"))));
    assertTrue(e.getMessage().contains("not in the checked plan"));
  }
}
