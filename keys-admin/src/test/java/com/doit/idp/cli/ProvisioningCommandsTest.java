package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.aws.FakeAccount;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.role.InMemoryRoleKeyStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** role provision|deprovision|plan, create --provision and revoke --deprovision against the fake STS and IAM. */
@SuppressWarnings("unchecked")
class ProvisioningCommandsTest {
  private static final String ACCOUNT = "123456789012";
  private static final String ROLE = ACCOUNT + "/alice";

  @TempDir
  Path dir;

  private InMemoryRoleKeyStore store;
  private FakeAws aws;
  private FakeAccount account;
  private Cli cli;

  @BeforeEach
  void setUp() throws Exception {
    store = new InMemoryRoleKeyStore();
    aws = new FakeAws();
    account = aws.account(ACCOUNT, true);
    cli = new Cli(dir, store);
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private Cli.Run run(String... args) {
    return cli.runWithAws(aws, args);
  }

  @Test
  void planPrintsEveryCallCheckedAndCallsNothing() {
    String out = run("role", "plan", ROLE).succeeds().out();
    assertTrue(out.startsWith("provision 123456789012/alice via sts:AssumeRole "
        + "arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE\n"), out);
    assertTrue(out.contains("  iam:CreateRole  arn:aws:iam::123456789012:role/DoiT-Support-alice  # "), out);
    assertTrue(out.endsWith("all 15 calls are allowed by the management role's policy (cloudformation/customer-stack.json)\n"), out);

    Map<String, Object> json = run("role", "plan", ROLE, "--deprovision", "--json").succeeds().json();
    assertEquals("deprovision", json.get("operation"));
    List<Map<String, Object>> calls = (List<Map<String, Object>>) json.get("calls");
    assertEquals("iam:GetRole", calls.get(0).get("action"));
    assertEquals(List.of(), aws.received(), "a plan calls nothing");
    assertTrue(store.list().isEmpty());
  }

  @Test
  void aPlanOutsideTheManagementPolicyIsRefusedInOneLine() {
    cli = new Cli(dir, store, "issuer.role-prefix = Admin-");
    run("role", "plan", ROLE).failsWithOneLine(
        "refused before any call: iam:GetRole on arn:aws:iam::123456789012:role/Admin-alice");
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--provision").failsWithOneLine("refused before any call");
    assertTrue(store.list().isEmpty(), "no key generated for a role that could not be provisioned");
    assertEquals(List.of(), aws.received());
  }

  @Test
  void createWithProvisionCreatesTheKeyAndTheCustomerSide() {
    Map<String, Object> json = run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--provision", "--json")
        .succeeds().json();

    assertEquals(ROLE, json.get("role"));
    Map<String, Object> provisioning = (Map<String, Object>) json.get("provisioning");
    assertEquals(true, provisioning.get("changed"));
    assertEquals(List.of("created", "created", "created", "created", "created"),
        ((List<Map<String, Object>>) provisioning.get("steps")).stream().map(s -> s.get("outcome")).toList());
    assertEquals(1, store.list().size());
    assertNotNull(account.role("DoiT-Support-alice"));
  }

  @Test
  void provisionTwiceSaysTheSecondChangedNothing() {
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice").succeeds();
    String first = run("role", "provision", ROLE).succeeds().out();
    assertTrue(first.contains("  created: role DoiT-Support-alice (arn:aws:iam::123456789012:role/DoiT-Support-alice)"), first);
    assertTrue(first.endsWith("provision 123456789012/alice: 5 changes made\n"), first);

    String second = run("role", "provision", ROLE).succeeds().out();
    assertTrue(second.contains("  already present: role DoiT-Support-alice"), second);
    assertTrue(second.endsWith("nothing to change, the account was already as provision leaves it\n"), second);
  }

  @Test
  void provisionNeedsAnActiveRoleInTheHsm() {
    run("role", "provision", ROLE).failsWithOneLine("no active role 123456789012/alice in the HSM");
    assertEquals(List.of(), aws.iamActions());
  }

  @Test
  void aFailedProvisionAfterCreateSaysWhatExistsAndTheRerunFinishes() {
    aws.failNext("CreateRole", "AccessDenied");

    run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--provision").failsWithOneLine(
        "created role 123456789012/alice in the HSM, but provision 123456789012/alice stopped: AWS denied iam:CreateRole");
    assertEquals(1, store.list().size());
    assertNull(account.role("DoiT-Support-alice"));

    String out = run("role", "provision", ROLE).succeeds().out();
    assertTrue(out.contains("already present: support policy DoiT-Support-alice"), out);
    assertNotNull(account.role("DoiT-Support-alice"));
  }

  @Test
  void theQuotaIsReportedInOneLine() {
    account.withForeignProviders(FakeAws.PROVIDER_QUOTA);
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice").succeeds();
    run("role", "provision", ROLE).failsWithOneLine("already has 100 OIDC providers");
  }

  @Test
  void revokeWithDeprovisionDeletesTheKeysThenTheCustomerSide() {
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--provision").succeeds();

    Map<String, Object> json = run("role", "revoke", ROLE, "--deprovision", "--json").succeeds().json();

    assertEquals(true, json.get("revoked"));
    assertEquals(true, ((Map<String, Object>) json.get("deprovisioning")).get("changed"));
    assertTrue(store.list().isEmpty());
    assertNull(account.role("DoiT-Support-alice"));
    assertEquals(0, account.providerCount());
  }

  @Test
  void revokeWithDeprovisionIsRefusedBeforeAnythingChangesWhenThePlanNeedsTooMuch() {
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice").succeeds();
    cli = new Cli(dir, store, "issuer.base-url = https://idp.example.com");
    run("role", "revoke", ROLE, "--deprovision").failsWithOneLine("refused before any call");
    assertEquals(1, store.list().size(), "nothing was revoked");
  }

  @Test
  void deprovisionWorksAfterTheRoleIsGoneFromTheHsm() {
    run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--provision").succeeds();
    run("role", "revoke", ROLE).succeeds();

    String out = run("role", "deprovision", ROLE).succeeds().out();

    assertTrue(out.contains("deleted: OIDC provider https://oidc.aws-ops.doit-intl.com/123456789012/alice"), out);
    assertFalse(run("role", "deprovision", ROLE, "--json").succeeds().json().get("changed").equals(true));
  }
}
