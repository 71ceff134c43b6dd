package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.Secret;
import com.doit.idp.role.RoleId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A customer account looked at live, and the external id that our own template's trust requires, against the strict
 * fake: accounts with our template (with or without an external id) and with the older stack all keep working.
 */
class AccountCheckTest {
  private static final String ACCOUNT = "123456789012";
  private static final RoleId ALICE = new RoleId(ACCOUNT, "alice");

  private FakeAws aws;
  private FakeAccount account;
  private IamProvisioner plain;
  private IamProvisioner withIds;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    account = aws.account(ACCOUNT, false);
    plain = ProvisioningFixture.provisioner(aws);
    withIds = ProvisioningFixture.provisionerWithExternalIds(aws);
  }

  @AfterEach
  void stop() {
    plain.close();
    withIds.close();
    aws.close();
  }

  @Test
  void anExternalIdIsAnHmacOfTheAccountUnderTheSecretAndNeverPrinted() {
    ExternalIds ids = ExternalIds.of(Optional.of(ProvisioningFixture.EXTERNAL_ID_SECRET));
    String one = ids.forAccount(ACCOUNT).orElseThrow();
    assertTrue(one.matches("[0-9a-f]{64}"), one);
    assertEquals(one, ids.forAccount(ACCOUNT).orElseThrow(), "derived, so every replica gets the same");
    assertNotEquals(one, ids.forAccount("210987654321").orElseThrow());
    assertNotEquals(one, ExternalIds.of(Optional.of(new Secret("another".toCharArray()))).forAccount(ACCOUNT).orElseThrow());
    // HMAC-SHA256("external-id-secret-for-tests", "123456789012"), computed apart with openssl dgst -sha256 -hmac.
    assertEquals("581b329b5a95f6c5f81a916dbed50c49a34807cf857acbe21b5ef861a8bdf8d1", one);
    assertFalse(ids.toString().contains("external-id-secret"), ids.toString());
    assertEquals(Optional.empty(), ExternalIds.of(Optional.empty()).forAccount(ACCOUNT));
  }

  @Test
  void anAccountWithOurStackReportsItsProvidersAndWhichAreOurs() {
    account.install(CustomerStack.load(), FakeAws.ourStack(ProvisioningFixture.externalId(ACCOUNT))).withForeignProviders(2);
    withIds.provision(ALICE);
    withIds.provision(new RoleId(ACCOUNT, "bob"));

    AccountCheck c = withIds.check(ACCOUNT);

    assertTrue(c.assumable(), c.toString());
    assertEquals(4, c.oidcProvidersUsed().getAsInt());
    assertEquals(List.of(ALICE, new RoleId(ACCOUNT, "bob")), c.ourProviders());
    assertEquals("arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE", c.managementRoleArn());
    assertEquals(List.of("ListOpenIDConnectProviders"), aws.iamActions().subList(aws.iamActions().size() - 1,
        aws.iamActions().size()), "one read call");
  }

  @Test
  void aStackThatRequiresAnExternalIdRefusesUsWithoutIt() {
    account.install(CustomerStack.load(), FakeAws.ourStack(ProvisioningFixture.externalId(ACCOUNT)));

    AccountCheck c = plain.check(ACCOUNT);
    ProvisioningException e = assertThrows(ProvisioningException.class, () -> plain.provision(ALICE));

    assertFalse(c.assumable());
    assertEquals(ProvisioningException.Kind.ACCESS_DENIED, e.kind());
    assertTrue(withIds.check(ACCOUNT).assumable());
    assertTrue(withIds.provision(ALICE).changed());
  }

  @Test
  void aStackGivenAnotherAccountsExternalIdRefusesUs() {
    account.install(CustomerStack.load(), FakeAws.ourStack(ProvisioningFixture.externalId("210987654321")));
    AccountCheck c = withIds.check(ACCOUNT);
    assertFalse(c.assumable());
    assertTrue(c.reason().orElseThrow().contains("ExternalId parameter"), c.reason().orElseThrow());
  }

  @Test
  void theOlderStackWithoutExternalIdKeepsWorkingWhetherOrNotWeHaveASecret() {
    account.install(CustomerStack.seed(), FakeAws.seedStack());
    for (IamProvisioner p : List.of(plain, withIds)) {
      assertTrue(p.check(ACCOUNT).assumable());
      assertTrue(p.provision(ALICE).changed());
      assertTrue(p.deprovision(ALICE).changed());
    }
  }

  @Test
  void ourStackWithAnEmptyExternalIdTakesUsWithOrWithoutOne() {
    account.install(CustomerStack.load(), FakeAws.ourStack(""));
    assertTrue(plain.check(ACCOUNT).assumable());
    assertTrue(withIds.check(ACCOUNT).assumable());
  }

  @Test
  void aStackTrustingAnotherAccountGetsAReasonTheCustomerCanActOn() {
    Map<String, String> typo = new java.util.HashMap<>(FakeAws.ourStack(ProvisioningFixture.externalId(ACCOUNT)));
    typo.put("AccountNumberParameter", "999999999998");
    account.install(CustomerStack.load(), typo);

    AccountCheck c = withIds.check(ACCOUNT);

    assertFalse(c.assumable());
    assertEquals(ProvisioningException.Kind.ACCESS_DENIED, c.failure().orElseThrow());
    assertEquals("the role DoiT_Management_Role_DO-NOT-DELETE in 123456789012 cannot be assumed by 999999999999: "
        + "check the AccountNumberParameter and the ExternalId parameter (`keys-admin account link 123456789012` gives "
        + "both), and that the stack's management role exists", c.reason().orElseThrow());
    assertTrue(c.oidcProvidersUsed().isEmpty());
  }

  @Test
  void anAccountWithoutTheStackIsNotAssumable() {
    AccountCheck c = plain.check(ACCOUNT);
    assertFalse(c.assumable());
    assertTrue(c.reason().orElseThrow().contains("check the AccountNumberParameter"), c.reason().orElseThrow());
    assertEquals(List.of(), aws.iamActions());
  }

  @Test
  void anUnreachableAwsIsReportedNotThrown() {
    aws.close();
    AccountCheck c = plain.check(ACCOUNT);
    assertEquals(ProvisioningException.Kind.UNREACHABLE, c.failure().orElseThrow());
    assertTrue(c.reason().orElseThrow().contains("could not be reached"), c.reason().orElseThrow());
  }
}
