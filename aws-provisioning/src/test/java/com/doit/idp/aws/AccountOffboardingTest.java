package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Offboarding an account against the strict fake and a fake HSM: what is removed, what is left, and the rerun. */
class AccountOffboardingTest {
  private static final String ACCOUNT = "123456789012";
  private static final List<RoleId> THREE = List.of(new RoleId(ACCOUNT, "alice"), new RoleId(ACCOUNT, "bob"),
      new RoleId(ACCOUNT, "carol"));
  private static final RoleId ELSEWHERE = new RoleId("210987654321", "alice");

  private FakeAws aws;
  private FakeAccount account;
  private IamProvisioner provisioner;
  private InMemoryRoleKeyStore store;
  private final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
  private RoleService roles;
  private AccountOffboarding offboarding;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    account = aws.account(ACCOUNT, true).withForeignProviders(2);
    aws.account(ELSEWHERE.account(), true);
    provisioner = ProvisioningFixture.provisioner(aws);
    store = new InMemoryRoleKeyStore();
    roles = new RoleService(store, new RoleService.Settings(Duration.ofHours(24), Duration.ofDays(30), 100,
        Duration.ofSeconds(300), Duration.ofSeconds(300), SigningAlgorithm.ES256), Clock.systemUTC(), audit::add,
        ProvisioningFixture.NAMES);
    offboarding = new AccountOffboarding(roles, provisioner, audit::add, Clock.systemUTC());
    for (RoleId id : THREE) {
      roles.create(id, Optional.empty(), Optional.empty(), "test");
      provisioner.provision(id);
    }
    roles.create(ELSEWHERE, Optional.empty(), Optional.empty(), "test");
    provisioner.provision(ELSEWHERE);
    audit.clear();
    aws.forgetReceived();
  }

  @AfterEach
  void stop() {
    provisioner.close();
    aws.close();
  }

  private long keysOf(String acct) {
    return store.list().stream().filter(k -> k.role().account().equals(acct)).count();
  }

  @Test
  void everySupportRoleIsDeprovisionedAndItsKeysRevokedAndTheRerunChangesNothing() {
    AccountOffboarding.Result r = offboarding.offboard(ACCOUNT, "test-actor");

    assertEquals(THREE, r.removed());
    assertEquals(0, r.left().size());
    for (RoleId id : THREE) assertNull(account.role(ProvisioningFixture.NAMES.roleName(id)), id.toString());
    assertEquals(2, account.providerCount(), "the customer's own providers stay");
    assertEquals(0, keysOf(ACCOUNT));
    assertEquals(1, keysOf(ELSEWHERE.account()), "another account is not touched");
    assertNotNull(aws.account(ELSEWHERE.account()).role("DoiT-Support-alice"));
    AuditEvent last = audit.get(audit.size() - 1);
    assertEquals(AuditEvent.ACCOUNT_OFFBOARDED, last.event());
    assertEquals(ACCOUNT, last.account());
    assertEquals("removed: 123456789012/alice, 123456789012/bob, 123456789012/carol; left: none", last.reason());
    assertEquals("test-actor", last.actor());

    aws.forgetReceived();
    audit.clear();
    AccountOffboarding.Result again = offboarding.offboard(ACCOUNT, "test-actor");

    assertEquals(List.of(), again.removed());
    assertEquals(List.of(), aws.iamWrites(), "no second change in the account");
    assertTrue(audit.stream().noneMatch(e -> e.event().equals(AuditEvent.KEY_DELETED)), "no second change in the HSM");
  }

  @Test
  void aRoleGoneFromTheHsmIsFoundByItsProviderAndRemoved() {
    roles.revoke(THREE.get(1), "test");

    AccountOffboarding.Result r = offboarding.offboard(ACCOUNT, "test-actor");

    assertEquals(THREE, r.removed());
    assertNull(account.role("DoiT-Support-bob"));
  }

  @Test
  void aRoleThatCannotBeRemovedIsLeftWithWhyAndItsKeysStillGo() {
    account.role("DoiT-Support-carol").attached.add(FakeAws.ADMINISTRATOR_ACCESS);

    AccountOffboarding.Result r = offboarding.offboard(ACCOUNT, "test-actor");

    assertEquals(THREE.subList(0, 2), r.removed());
    assertTrue(r.left().get(THREE.get(2)).contains("AdministratorAccess"), r.left().toString());
    assertEquals(0, keysOf(ACCOUNT));
    assertTrue(r.summary().contains("left: 123456789012/carol (deprovision 123456789012/carol refused"), r.summary());
  }

  @Test
  void anAccountWhoseRoleCannotBeAssumedLeavesEverythingThereButTheKeysGo() {
    account.uninstall();

    AccountOffboarding.Result r = offboarding.offboard(ACCOUNT, "test-actor");

    assertEquals(List.of(), r.removed());
    assertEquals(THREE, List.copyOf(r.left().keySet()));
    assertTrue(r.left().get(THREE.get(0)).contains("cannot be assumed"), r.left().toString());
    assertEquals(0, keysOf(ACCOUNT));
  }
}
