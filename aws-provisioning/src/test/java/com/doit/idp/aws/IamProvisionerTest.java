package com.doit.idp.aws;

import static com.doit.idp.aws.ProvisioningFixture.NAMES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.RoleId;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IamProvisionerTest {
  private static final String ACCOUNT = "123456789012";
  private static final RoleId ALICE = new RoleId(ACCOUNT, "alice");

  private FakeAws aws;
  private FakeAccount account;
  private IamProvisioner provisioner;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    account = aws.account(ACCOUNT, true).withForeignProviders(3);
    provisioner = ProvisioningFixture.provisioner(aws);
  }

  @AfterEach
  void stop() {
    provisioner.close();
    aws.close();
  }

  private List<String> writes() {
    return aws.iamWrites().stream().map(r -> r.action() + (r.params().containsKey("PolicyArn")
        && r.action().contains("RolePolicy") ? " " + r.params().get("PolicyArn") : "")).toList();
  }

  @Test
  void provisionCreatesProviderPolicyRoleAndAttachmentsInOrderInAFreshAccount() {
    Report report = provisioner.provision(ALICE);

    assertEquals(List.of(Report.Outcome.CREATED, Report.Outcome.CREATED, Report.Outcome.CREATED,
        Report.Outcome.CREATED, Report.Outcome.CREATED), report.steps().stream().map(Report.Step::outcome).toList());
    assertEquals(List.of("CreateOpenIDConnectProvider", "CreatePolicy", "CreateRole",
        "AttachRolePolicy arn:aws:iam::aws:policy/SecurityAudit",
        "AttachRolePolicy arn:aws:iam::123456789012:policy/DoiT-Support-alice"), writes());

    FakeAccount.Provider provider = account.provider(NAMES.providerArn(ALICE));
    assertEquals("https://oidc.aws-ops.doit-intl.com/123456789012/alice", provider.url());
    assertEquals(List.of("sts.amazonaws.com"), provider.clientIds());
    assertEquals(List.of(), provider.thumbprints(), "no thumbprint unless configured");

    FakeAccount.ManagedPolicyState policy = account.policy("arn:aws:iam::123456789012:policy/DoiT-Support-alice");
    assertTrue(PolicyDocuments.sameMeaning(policy.versions.get(0).document, SupportPolicy.document()));

    FakeAccount.RoleState role = account.role("DoiT-Support-alice");
    assertTrue(PolicyDocuments.sameMeaning(role.trust, NAMES.trustPolicy(ALICE)));
    assertTrue(role.trust.contains("sts:SetSourceIdentity"));
    assertEquals(List.of(IamProvisioner.SECURITY_AUDIT_ARN, SupportPolicy.arn(ALICE)), role.attached);
    assertTrue(role.inline.isEmpty(), "never an inline policy");
  }

  @Test
  void theLongestEngineerIdFitsEveryIamLimitAndIsRemovedAgain() {
    RoleId longest = new RoleId(ACCOUNT, "a.b-c_" + "x".repeat(45));
    assertEquals(51, longest.engineer().length());

    assertTrue(provisioner.provision(longest).changed());

    FakeAccount.RoleState role = account.role(NAMES.roleName(longest));
    assertEquals(64, role.name.length(), "prefix + 51 characters: IAM's maximum");
    assertEquals("aws-ops-idp-" + longest.engineer(), aws.received().get(0).params().get("RoleSessionName"));
    assertTrue(provisioner.deprovision(longest).changed());
    assertEquals(3, account.providerCount());
  }

  @Test
  void provisionAssumesTheManagementRoleOnceWithAnEngineerNamedSession() {
    provisioner.provision(ALICE);
    List<FakeAws.Received> sts = aws.received().stream().filter(r -> r.service().equals("sts")).toList();
    assertEquals(1, sts.size());
    assertEquals("arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE", sts.get(0).params().get("RoleArn"));
    assertEquals("aws-ops-idp-alice", sts.get(0).params().get("RoleSessionName"));
  }

  @Test
  void aSecondProvisionChangesNothingAndSaysSo() {
    provisioner.provision(ALICE);
    aws.forgetReceived();

    Report again = provisioner.provision(ALICE);

    assertFalse(again.changed());
    assertTrue(again.steps().stream().allMatch(s -> s.outcome() == Report.Outcome.ALREADY_PRESENT));
    assertTrue(again.summary().contains("nothing to change"), again.summary());
    assertEquals(List.of(), writes());
  }

  @Test
  void provisionIsRefusedAtTheProviderQuotaBeforeAnyChange() {
    aws.account(ACCOUNT, true).withForeignProviders(FakeAws.PROVIDER_QUOTA - 3);
    assertEquals(100, account.providerCount());

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));

    assertEquals(ProvisioningException.Kind.QUOTA, e.kind());
    assertTrue(e.getMessage().contains("already has 100 OIDC providers"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    assertEquals(List.of(), writes());
    assertNull(account.role("DoiT-Support-alice"));
  }

  @Test
  void ninetyNineProvidersLeaveRoomForOneMore() {
    aws.account(ACCOUNT, true).withForeignProviders(FakeAws.PROVIDER_QUOTA - 4);
    assertEquals(99, account.providerCount());
    provisioner.provision(ALICE);
    assertEquals(100, account.providerCount());
  }

  @Test
  void aLimitExceededFromIamOnCreateIsReportedAsTheQuota() {
    aws.failNext("CreateOpenIDConnectProvider", "LimitExceeded");
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.QUOTA, e.kind());
    assertTrue(e.getMessage().contains("quota of 100 OIDC providers"), e.getMessage());
  }

  @Test
  void aFailureMidwaySaysWhatIsDoneAndLeftAndTheRerunCompletesIt() {
    aws.failNext("CreateRole", "AccessDenied");

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));

    assertEquals(ProvisioningException.Kind.ACCESS_DENIED, e.kind());
    assertEquals(List.of("OIDC provider https://oidc.aws-ops.doit-intl.com/123456789012/alice",
        "support policy DoiT-Support-alice"), e.done().stream().map(Report.Step::what).toList());
    assertEquals(3, e.left().size());
    assertTrue(e.left().get(0).startsWith("role DoiT-Support-alice"), e.left().toString());
    assertTrue(e.getMessage().contains("iam:CreateRole on arn:aws:iam::123456789012:role/DoiT-Support-alice"), e.getMessage());
    assertTrue(e.getMessage().contains("left to do: role DoiT-Support-alice"), e.getMessage());
    assertTrue(e.getMessage().contains("keys-admin role provision 123456789012/alice"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");

    Report rerun = provisioner.provision(ALICE);

    assertEquals(List.of(Report.Outcome.ALREADY_PRESENT, Report.Outcome.ALREADY_PRESENT, Report.Outcome.CREATED,
        Report.Outcome.CREATED, Report.Outcome.CREATED), rerun.steps().stream().map(Report.Step::outcome).toList());
    assertEquals(2, account.role("DoiT-Support-alice").attached.size());
  }

  @Test
  void aFailureBetweenTheTwoAttachmentsIsCompletedByTheRerun() {
    aws.failNext("AttachRolePolicy", "ServiceFailure");
    aws.failNext("AttachRolePolicy", "ServiceFailure");
    aws.failNext("AttachRolePolicy", "ServiceFailure");
    aws.failNext("AttachRolePolicy", "ServiceFailure");

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.AWS_ERROR, e.kind());
    assertTrue(e.getMessage().contains("ServiceFailure"), e.getMessage());
    assertEquals(4, aws.received().stream().filter(r -> "ServiceFailure".equals(r.error())).count(),
        "server errors are retried: 4 tries");

    assertTrue(provisioner.provision(ALICE).changed());
    assertEquals(List.of(IamProvisioner.SECURITY_AUDIT_ARN, SupportPolicy.arn(ALICE)), account.role("DoiT-Support-alice").attached);
  }

  @Test
  void anIssuerIamCannotReachIsExplained() {
    aws.failNext("CreateOpenIDConnectProvider", "OpenIdIdpCommunicationError");
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.AWS_ERROR, e.kind());
    assertTrue(e.getMessage().contains("IAM could not reach the issuer https://oidc.aws-ops.doit-intl.com/123456789012/alice"),
        e.getMessage());
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
  }

  @Test
  void aThrottledCallIsRetriedAndTheOperationSucceeds() {
    aws.failNext("CreatePolicy", "Throttling");

    provisioner.provision(ALICE);

    assertEquals(List.of("Throttling", "ok"), aws.received().stream().filter(r -> r.action().equals("CreatePolicy"))
        .map(r -> r.error() == null ? "ok" : r.error()).toList());
    assertNotNull(account.policy(SupportPolicy.arn(ALICE)));
  }

  @Test
  void throttlingThatDoesNotStopIsReportedInPlainWords() {
    aws.failAlways("GetRole", "Throttling");
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.AWS_ERROR, e.kind());
    assertTrue(e.getMessage().contains("kept throttling iam:GetRole"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
  }

  @Test
  void aRoleCreatedMeanwhileByAnotherRunCountsAsAlreadyPresent() {
    aws.beforeNext("CreateRole", a -> a.putRole("DoiT-Support-alice", JSONObjectUtils.toJSONString(NAMES.trustPolicy(ALICE))));

    Report report = provisioner.provision(ALICE);

    assertEquals(Report.Outcome.ALREADY_PRESENT, report.steps().get(2).outcome());
    assertTrue(aws.received().stream().anyMatch(r -> "EntityAlreadyExists".equals(r.error())));
    assertEquals(2, account.role("DoiT-Support-alice").attached.size());
  }

  @Test
  void aRoleCreatedMeanwhileBySomeoneElseIsRefused() {
    aws.beforeNext("CreateRole", a -> a.putRole("DoiT-Support-alice", "{\"Version\":\"2012-10-17\",\"Statement\":[]}"));

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));

    assertEquals(ProvisioningException.Kind.REFUSED, e.kind());
    assertTrue(e.getMessage().contains("trust policy is not the one we write"), e.getMessage());
    assertTrue(e.getMessage().contains("left to do: role DoiT-Support-alice"), e.getMessage());
    assertFalse(e.getMessage().contains("nothing was changed"), "the provider and policy were created");
    assertTrue(account.role("DoiT-Support-alice").attached.isEmpty(), "nothing attached to a role that is not ours");
  }

  @Test
  void anEntityAlreadyExistsForARoleThatIsNotThereIsReportedAndTheRerunCompletesIt() {
    aws.failNext("CreateRole", "EntityAlreadyExists");
    // The fault answers EntityAlreadyExists without creating: the code then reads the role, which is missing.
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.AWS_ERROR, e.kind());
    assertTrue(e.getMessage().contains("NoSuchEntity"), e.getMessage());
    assertTrue(provisioner.provision(ALICE).changed(), "the rerun completes it");
  }

  @Test
  void deprovisionRemovesExactlyWhatProvisionCreatedInReverseOrder() {
    account.putRole("CustomerOwnRole", "{\"Version\":\"2012-10-17\",\"Statement\":[]}", FakeAws.ADMINISTRATOR_ACCESS);
    provisioner.provision(ALICE);
    aws.forgetReceived();

    Report report = provisioner.deprovision(ALICE);

    assertEquals(List.of("DetachRolePolicy arn:aws:iam::123456789012:policy/DoiT-Support-alice",
        "DetachRolePolicy arn:aws:iam::aws:policy/SecurityAudit", "DeleteRole", "DeletePolicy",
        "DeleteOpenIDConnectProvider"), writes());
    assertTrue(report.steps().stream().allMatch(s -> s.outcome() == Report.Outcome.DELETED));
    assertNull(account.role("DoiT-Support-alice"));
    assertNull(account.policy(SupportPolicy.arn(ALICE)));
    assertNull(account.provider(NAMES.providerArn(ALICE)));
    assertEquals(3, account.providerCount(), "the customer's own providers stay");
    assertNotNull(account.role("CustomerOwnRole"));
  }

  @Test
  void aSecondDeprovisionChangesNothing() {
    provisioner.provision(ALICE);
    provisioner.deprovision(ALICE);
    aws.forgetReceived();

    Report again = provisioner.deprovision(ALICE);

    assertFalse(again.changed());
    assertTrue(again.summary().contains("nothing to change"), again.summary());
    assertEquals(List.of(), writes());
  }

  @Test
  void deprovisionAfterAPartialProvisionRemovesWhatExists() {
    aws.failNext("CreateRole", "AccessDenied");
    assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    aws.forgetReceived();

    Report report = provisioner.deprovision(ALICE);

    assertEquals(List.of(Report.Outcome.ALREADY_ABSENT, Report.Outcome.DELETED, Report.Outcome.DELETED),
        report.steps().stream().map(Report.Step::outcome).toList());
    assertEquals(List.of("DeletePolicy", "DeleteOpenIDConnectProvider"), writes());
    assertEquals(3, account.providerCount());
  }

  @Test
  void deprovisionStoppedMidwayIsCompletedByTheRerun() {
    provisioner.provision(ALICE);
    aws.failNext("DeletePolicy", "AccessDenied");

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.deprovision(ALICE));
    assertTrue(e.getMessage().contains("left to do: support policy DoiT-Support-alice, OIDC provider"), e.getMessage());
    assertNull(account.role("DoiT-Support-alice"));

    Report rerun = provisioner.deprovision(ALICE);
    assertEquals(List.of(Report.Outcome.ALREADY_ABSENT, Report.Outcome.DELETED, Report.Outcome.DELETED),
        rerun.steps().stream().map(Report.Step::outcome).toList());
  }

  @Test
  void aRoleWithOurNameButAnotherTrustPolicyIsNeverTouched() {
    String theirs = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        + "\"arn:aws:iam::123456789012:root\"},\"Action\":\"sts:AssumeRole\"}]}";
    account.putRole("DoiT-Support-alice", theirs);

    ProvisioningException p = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    ProvisioningException d = assertThrows(ProvisioningException.class, () -> provisioner.deprovision(ALICE));

    for (ProvisioningException e : List.of(p, d)) {
      assertEquals(ProvisioningException.Kind.REFUSED, e.kind());
      assertTrue(e.getMessage().contains("trust policy is not the one we write"), e.getMessage());
    }
    assertEquals(List.of(), writes(), "not even the provider was created");
    assertEquals(theirs, account.role("DoiT-Support-alice").trust);
  }

  @Test
  void aPolicyAttachedByHandToOurRoleIsRefusedNotSilentlyKept() {
    provisioner.provision(ALICE);
    account.role("DoiT-Support-alice").attached.add(FakeAws.ADMINISTRATOR_ACCESS);
    aws.forgetReceived();

    ProvisioningException p = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    ProvisioningException d = assertThrows(ProvisioningException.class, () -> provisioner.deprovision(ALICE));

    assertTrue(p.getMessage().contains("AdministratorAccess"), p.getMessage());
    assertEquals(ProvisioningException.Kind.REFUSED, d.kind());
    assertEquals(List.of(), writes());
  }

  @Test
  void anInlinePolicyOnOurRoleIsRefusedBecauseTheManagementRoleCannotRemoveIt() {
    provisioner.provision(ALICE);
    account.role("DoiT-Support-alice").inline.put("added-by-hand", "{}");

    ProvisioningException d = assertThrows(ProvisioningException.class, () -> provisioner.deprovision(ALICE));

    assertTrue(d.getMessage().contains("inline policies [added-by-hand]"), d.getMessage());
    assertNotNull(account.role("DoiT-Support-alice"));
  }

  @Test
  void ourPolicyAttachedToAnotherRoleIsNotDeleted() {
    provisioner.provision(ALICE);
    account.putRole("CustomerOwnRole", "{}", SupportPolicy.arn(ALICE));

    ProvisioningException d = assertThrows(ProvisioningException.class, () -> provisioner.deprovision(ALICE));

    assertTrue(d.getMessage().contains("also attached to [role CustomerOwnRole]"), d.getMessage());
    assertNotNull(account.role("DoiT-Support-alice"), "refused before any change");
  }

  @Test
  void aProviderWithoutOurClientIdIsReportedBecauseAddingOneIsNotAllowed() {
    account.providers.put(NAMES.providerArn(ALICE), new FakeAccount.Provider(NAMES.issuer(ALICE), List.of("other-client"),
        List.of(), java.time.Instant.EPOCH));

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));

    assertEquals(ProvisioningException.Kind.REFUSED, e.kind());
    assertTrue(e.getMessage().contains("[other-client]"), e.getMessage());
    assertTrue(e.getMessage().contains("iam:AddClientIDToOpenIDConnectProvider"), e.getMessage());
    assertEquals(List.of(), writes());
  }

  @Test
  void configuredThumbprintsAreSetAtCreationAndUpdatedWhenTheyChange() {
    String one = "a".repeat(40);
    String two = "b".repeat(40);
    try (IamProvisioner withOne = ProvisioningFixture.provisioner(aws, NAMES, List.of(one));
        IamProvisioner withTwo = ProvisioningFixture.provisioner(aws, NAMES, List.of(two))) {
      withOne.provision(ALICE);
      assertEquals(List.of(one), account.provider(NAMES.providerArn(ALICE)).thumbprints());

      Report report = withTwo.provision(ALICE);

      assertEquals(Report.Outcome.UPDATED, report.steps().get(0).outcome());
      assertEquals(List.of(two), account.provider(NAMES.providerArn(ALICE)).thumbprints());
      assertFalse(withTwo.provision(ALICE).changed());
    }
  }

  @Test
  void aDriftedSupportPolicyIsUpdatedAndItsOldVersionsGoOnDeprovision() throws Exception {
    provisioner.provision(ALICE);
    FakeAccount.ManagedPolicyState policy = account.policy(SupportPolicy.arn(ALICE));
    String drifted = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"support:*\",\"Resource\":\"*\"}]}";
    for (int v = 2; v <= 5; v++) {
      policy.versions.add(new FakeAccount.PolicyVersionState("v" + v, drifted, java.time.Instant.parse("2026-06-0" + v + "T00:00:00Z")));
    }
    policy.nextVersion = 6;
    policy.defaultVersion = "v5";
    aws.forgetReceived();

    Report report = provisioner.provision(ALICE);

    assertEquals(Report.Outcome.UPDATED, report.steps().get(1).outcome());
    assertEquals(List.of("DeletePolicyVersion", "CreatePolicyVersion"), writes());
    assertEquals(List.of("v2", "v3", "v4", "v5", "v6"), policy.versions.stream().map(v -> v.id).toList(),
        "the oldest non-default version made room");
    assertEquals("v6", policy.defaultVersion);
    assertTrue(PolicyDocuments.sameMeaning(policy.version("v6").document, SupportPolicy.document()));
    assertFalse(provisioner.provision(ALICE).changed());

    Report gone = provisioner.deprovision(ALICE);
    assertTrue(gone.changed());
    assertNull(account.policy(SupportPolicy.arn(ALICE)));
    assertEquals(JSONObjectUtils.parse(SupportPolicy.json()), SupportPolicy.document());
  }

  @Test
  void anAccountWithoutTheCustomerStackIsReportedBeforeAnyIamCall() {
    RoleId elsewhere = new RoleId("210987654321", "alice");
    aws.account("210987654321", false);

    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(elsewhere));

    assertEquals(ProvisioningException.Kind.ACCESS_DENIED, e.kind());
    assertTrue(e.getMessage().contains("could not assume arn:aws:iam::210987654321:role/DoiT_Management_Role_DO-NOT-DELETE"),
        e.getMessage());
    assertEquals(List.of(), aws.iamActions());
  }

  @Test
  void anUnreachableAwsIsReportedInPlainWords() {
    aws.close();
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> provisioner.provision(ALICE));
    assertEquals(ProvisioningException.Kind.UNREACHABLE, e.kind());
    assertTrue(e.getMessage().contains("AWS STS could not be reached"), e.getMessage());
  }
}
