package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.RoleId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our CloudFormation template (cloudformation/customer-stack.json) against the code: every IAM call the code can
 * make is allowed, the template grants nothing else beyond the listed reads, and it is no wider than the older stack
 * customers already run (the test resource seed-customer-stack.json, docs/ONBOARDING.md).
 */
class CustomerStackTest {
  /** The older stack's statement on {@code *}. */
  static final Set<String> LISTED_READS = Set.of("iam:ListAttachedRolePolicies", "iam:ListEntitiesForPolicy",
      "iam:ListOpenIDConnectProviders", "iam:ListPolicies", "iam:ListPoliciesGrantingServiceAccess",
      "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListRoles");
  /** The older stack's statement on our own resources. */
  static final Set<String> REFERENCE_OWN = Set.of("iam:AttachRolePolicy", "iam:CreateOpenIDConnectProvider",
      "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:CreateSAMLProvider",
      "iam:DeleteOpenIDConnectProvider", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole",
      "iam:DetachRolePolicy", "iam:GetOpenIDConnectProvider", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole",
      "iam:PutRolePolicy", "iam:SetDefaultPolicyVersion", "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:UpdateRole", "iam:UpdateRoleDescription");
  static final List<String> REFERENCE_RESOURCES = List.of(
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/oidc.aws-ops.doit-intl.com*",
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/DoiT-*",
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/DoiT-Support*");
  private static final RoleId ALICE = new RoleId("123456789012", "alice");

  private static FakeAws aws;
  private static IamProvisioner withThumbprints;
  private final CustomerStack stack = CustomerStack.load();

  @BeforeAll
  static void start() throws Exception {
    aws = new FakeAws();
    // With thumbprints configured the plan has every call the code can make (UpdateOpenIDConnectProviderThumbprint).
    withThumbprints = ProvisioningFixture.provisioner(aws, ProvisioningFixture.NAMES, List.of("0".repeat(40)));
  }

  @AfterAll
  static void stop() {
    withThumbprints.close();
    aws.close();
  }

  /** Every call the code can send: IamSession sends nothing outside these two plans. */
  private static List<IamCall> everyCall() {
    List<IamCall> all = new java.util.ArrayList<>(withThumbprints.plan(ALICE).calls());
    all.addAll(withThumbprints.deprovisionPlan(ALICE).calls());
    return all;
  }

  @Test
  void everyIamCallTheCodeCanMakeIsAllowedByTheTemplate() {
    ManagementPolicy template = ManagementPolicy.fromDocument(stack.policyDocument());
    for (IamCall c : everyCall()) {
      assertTrue(template.allows(ALICE.account(), c), c.target());
    }
  }

  @Test
  void attachmentsAreLimitedToSecurityAuditAndTheSupportPolicies() {
    ManagementPolicy template = ManagementPolicy.fromDocument(stack.policyDocument());
    String role = "arn:aws:iam::123456789012:role/DoiT-Support-alice";
    for (String action : List.of("iam:AttachRolePolicy", "iam:DetachRolePolicy")) {
      for (String ok : List.of(IamProvisioner.SECURITY_AUDIT_ARN, "arn:aws:iam::123456789012:policy/DoiT-Support-alice")) {
        assertTrue(template.allows(ALICE.account(), new IamCall(action, role, Map.of("iam:PolicyARN", ok), "ok")), ok);
      }
      for (String no : List.of(FakeAws.ADMINISTRATOR_ACCESS, "arn:aws:iam::123456789012:policy/DoiT-Other",
          "arn:aws:iam::123456789012:policy/CustomerPolicy", "arn:aws:iam::210987654321:policy/DoiT-Support-alice")) {
        assertFalse(template.allows(ALICE.account(), new IamCall(action, role, Map.of("iam:PolicyARN", no), "no")), no);
      }
      assertFalse(template.allows(ALICE.account(), action, role), "without the condition key, as in IAM");
    }
  }

  @Test
  void theOlderStackIsTheReferenceListing() {
    for (ManagementPolicy.Statement s : ManagementPolicy.fromDocument(CustomerStack.seed().policyDocument()).statements()) {
      if (s.resources().equals(List.of("*"))) {
        assertEquals(LISTED_READS, s.actions());
      } else {
        assertEquals(REFERENCE_RESOURCES, s.resources());
        assertEquals(REFERENCE_OWN, s.actions());
      }
    }
  }

  @Test
  void theManagementRoleRequiresTheExternalIdOnlyWhenOneIsGiven() {
    assertEquals("8f2a", stack.install(ALICE.account(), FakeAws.ourStack("8f2a")).externalId());
    assertNull(stack.install(ALICE.account(), FakeAws.ourStack("")).externalId());
    assertNull(CustomerStack.seed().install(ALICE.account(), FakeAws.seedStack()).externalId());
    assertEquals(FakeAws.OUR_ACCOUNT, stack.install(ALICE.account(), FakeAws.ourStack("x1")).trustedAccount());
  }

  @Test
  void theTemplateGrantsNothingTheCodeDoesNotNeedBeyondTheListedReads() {
    Set<String> codeActions = new TreeSet<>();
    everyCall().forEach(c -> codeActions.add(c.action()));
    Set<String> granted = new TreeSet<>();
    for (ManagementPolicy.Statement s : ManagementPolicy.fromDocument(stack.policyDocument()).statements()) {
      if (s.resources().equals(List.of("*"))) {
        assertEquals(new TreeSet<>(LISTED_READS), new TreeSet<>(s.actions()), "the statement on * is the listed reads");
      } else {
        granted.addAll(s.actions());
      }
    }
    Set<String> unused = new TreeSet<>(granted);
    unused.removeAll(codeActions);
    assertEquals(Set.of(), unused, "granted on our resources but never called");
    Set<String> needed = new TreeSet<>(codeActions);
    needed.removeAll(granted);
    needed.removeAll(LISTED_READS);
    assertEquals(Set.of(), needed, "called but not granted");
  }

  @Test
  void theTemplateIsNoWiderThanTheReferenceStack() {
    for (ManagementPolicy.Statement s : ManagementPolicy.fromDocument(stack.policyDocument()).statements()) {
      if (s.resources().equals(List.of("*"))) {
        assertTrue(LISTED_READS.containsAll(s.actions()), s.actions().toString());
      } else {
        assertTrue(REFERENCE_RESOURCES.containsAll(s.resources()), s.resources().toString());
        assertTrue(REFERENCE_OWN.containsAll(s.actions()), s.actions().toString());
      }
    }
  }

  @Test
  void theShippedManagementPolicyIsTheTemplatesPolicy() {
    assertEquals(new HashSet<>(ManagementPolicy.fromDocument(stack.policyDocument()).statements()),
        new HashSet<>(ManagementPolicy.load().statements()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theManagementRoleIsAssumableByOurAccountOnlyAndCarriesThePolicy() {
    assertEquals("DoiT_Management_Role_DO-NOT-DELETE", stack.managementRoleName());
    Map<String, Object> role = stack.properties("AWS::IAM::Role");
    List<Object> statements = (List<Object>) ((Map<String, Object>) role.get("AssumeRolePolicyDocument")).get("Statement");
    assertEquals(1, statements.size());
    Map<String, Object> st = (Map<String, Object>) statements.get(0);
    assertEquals("sts:AssumeRole", st.get("Action"));
    assertEquals(Map.of("AWS", Map.of("Fn::Sub", "arn:${AWS::Partition}:iam::${AccountNumberParameter}:root")), st.get("Principal"));
    assertEquals(Map.of("Fn::If", List.of("HasExternalId", Map.of("StringEquals", Map.of("sts:ExternalId",
        Map.of("Ref", "ExternalId"))), Map.of("Ref", "AWS::NoValue"))), st.get("Condition"));

    Map<String, Object> policy = stack.properties("AWS::IAM::ManagedPolicy");
    assertEquals("DoiT_Customer_Policy_DO-NOT-DELETE", policy.get("ManagedPolicyName"));
    assertEquals(List.of(Map.of("Ref", "ManagementRole")), policy.get("Roles"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theHookRunsAfterThePolicyAndTheOutputsNameTheRole() {
    Map<String, Object> hook = stack.resource("Custom::Hook");
    assertEquals("ManagementPolicy", hook.get("DependsOn"));
    Map<String, Object> props = (Map<String, Object>) hook.get("Properties");
    assertEquals(new HashSet<>(List.of("ServiceToken", "RoleArn", "AccountId")), props.keySet());
    assertEquals(Map.of("Ref", "ServiceToken"), props.get("ServiceToken"));
    assertEquals(Map.of("Fn::GetAtt", List.of("ManagementRole", "Arn")), props.get("RoleArn"));
    Map<String, Object> outputs = (Map<String, Object>) stack.template.get("Outputs");
    assertEquals(Set.of("RoleName", "RoleArn"), outputs.keySet());
    Map<String, Object> params = (Map<String, Object>) stack.template.get("Parameters");
    assertEquals(Set.of("AccountNumberParameter", "ServiceToken", "ExternalId"), params.keySet(),
        "the older stack's parameters, and the external id");
    assertEquals("", ((Map<String, Object>) params.get("ExternalId")).get("Default"), "optional, as for the older stack");
  }

  @Test
  void theTemplateWritesNoTagsAndNoInlinePolicies() throws Exception {
    String text = java.nio.file.Files.readString(CustomerStack.file());
    assertTrue(!text.contains("\"Tags\""), "no tags");
    assertTrue(!text.contains("\"Policies\""), "no inline policies on the management role");
  }
}
