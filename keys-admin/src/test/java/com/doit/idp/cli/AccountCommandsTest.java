package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.aws.FakeAccount;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.role.InMemoryRoleKeyStore;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code account check|offboard|link} against the fake STS and IAM and an in-memory HSM. */
@SuppressWarnings("unchecked")
class AccountCommandsTest {
  private static final String ACCOUNT = "123456789012";
  private static final String TEMPLATE = "https://aws-ops-idp-public.s3.amazonaws.com/customer-stack.json";

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
    account = aws.account(ACCOUNT, true).withForeignProviders(2);
    Path secret = Files.writeString(dir.resolve("external-id.secret"), new String(ProvisioningFixture.EXTERNAL_ID_SECRET.reveal()));
    cli = new Cli(dir, store, "hooks.sns-topic-arns = " + FakeAws.OUR_TOPIC, "aws.external-id-secret-file = " + secret);
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private Cli.Run run(String... args) {
    return cli.runWithAws(aws, args);
  }

  private void createProvisioned(String engineer) {
    run("role", "create", "--account", ACCOUNT, "--engineer", engineer, "--provision").succeeds();
  }

  @Test
  void checkReportsTheRoleTheProvidersAndOurSupportRoles() {
    createProvisioned("alice");
    createProvisioned("bob");

    String text = run("account", "check", ACCOUNT).succeeds().out();
    Map<String, Object> json = run("account", "check", ACCOUNT, "--json").succeeds().json();

    assertTrue(text.startsWith("account 123456789012: arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE "
        + "can be assumed\n  OIDC providers used: 4 of 100\n  123456789012/alice: in the HSM until "), text);
    assertEquals(true, json.get("assumable"));
    assertEquals(4L, ((Number) json.get("oidc_providers_used")).longValue());
    List<Map<String, Object>> roles = (List<Map<String, Object>>) json.get("support_roles");
    assertEquals(List.of("123456789012/alice", "123456789012/bob"), roles.stream().map(r -> r.get("role")).toList());
    assertEquals(true, roles.get(0).get("in_hsm"));
    assertEquals(true, roles.get(0).get("provider_in_account"));
    assertTrue(cli.auditLines().stream().noneMatch(l -> String.valueOf(l.get("event")).startsWith("account.")), "reads only");
  }

  @Test
  void checkOfAnAccountThatRefusesUsPrintsWhyAndExitsOne() {
    aws.account("210987654321", false);
    Cli.Run r = run("account", "check", "210987654321").failsWithOneLine("cannot be assumed by 999999999999: check the AccountNumberParameter");
    assertTrue(r.out().contains("cannot be assumed"), r.out());
    run("account", "check", "1234").failsWithOneLine("must be 12 digits");
  }

  @Test
  void offboardRemovesEverySupportRoleAndItsKeysAndSaysSo() {
    createProvisioned("alice");
    createProvisioned("bob");

    Map<String, Object> json = run("account", "offboard", ACCOUNT, "--json").succeeds().json();

    assertEquals(List.of("123456789012/alice", "123456789012/bob"), json.get("removed"));
    assertEquals(List.of(), json.get("left"));
    assertNull(account.role("DoiT-Support-alice"));
    assertEquals(2, account.providerCount(), "the customer's own providers stay");
    assertTrue(store.list().isEmpty());
    Map<String, Object> line = cli.auditLines().stream().filter(l -> "account.offboarded".equals(l.get("event")))
        .findFirst().orElseThrow();
    assertEquals("removed: 123456789012/alice, 123456789012/bob; left: none", line.get("reason"));
    assertEquals("keys-admin:tester", line.get("actor"));
    assertEquals("offboarded account 123456789012: removed: none; left: none\n",
        run("account", "offboard", ACCOUNT).succeeds().out(), "idempotent");
  }

  @Test
  void offboardThatLeavesSomethingExitsOneNamingIt() {
    createProvisioned("alice");
    account.attachByHand("DoiT-Support-alice", FakeAws.ADMINISTRATOR_ACCESS);

    Cli.Run r = run("account", "offboard", ACCOUNT).failsWithOneLine("left in account 123456789012: 123456789012/alice");

    assertTrue(r.out().contains("AdministratorAccess"), r.out());
    assertTrue(store.list().isEmpty(), "the keys go anyway");
  }

  @Test
  void linkPrintsTheQuickCreateUrlWithTheAccountsExternalId() {
    String url = run("account", "link", ACCOUNT, "--template-url", TEMPLATE).succeeds().out().strip();

    URI u = URI.create(url);
    assertEquals("console.aws.amazon.com", u.getHost());
    String fragment = URLDecoder.decode(u.getRawFragment(), StandardCharsets.UTF_8);
    assertTrue(fragment.startsWith("/stacks/quickcreate?templateURL=" + TEMPLATE + "&stackName=DoiT-Support-Access"), fragment);
    assertTrue(fragment.contains("&param_AccountNumberParameter=" + FakeAws.OUR_ACCOUNT), fragment);
    assertTrue(fragment.contains("&param_ServiceToken=" + FakeAws.OUR_TOPIC), fragment);
    assertTrue(fragment.endsWith("&param_ExternalId=" + ProvisioningFixture.externalId(ACCOUNT)), fragment);
    assertTrue(u.getQuery().equals("region=us-east-1"), u.getQuery());
    Map<String, Object> json = run("account", "link", ACCOUNT, "--template-url", TEMPLATE, "--json").succeeds().json();
    assertEquals(ProvisioningFixture.externalId(ACCOUNT), json.get("external_id"));
    assertEquals(List.of(), aws.received(), "calls nothing");
  }

  @Test
  void linkNeedsTheSecretAnS3TemplateAndAConfiguredTopic() {
    run("account", "link", ACCOUNT, "--template-url", "http://example.com/t.json").failsWithOneLine("https on an S3 host");
    run("account", "link", ACCOUNT, "--template-url", TEMPLATE, "--topic", "arn:aws:sns:us-east-1:1:x")
        .failsWithOneLine("is not one of hooks.sns-topic-arns");
    cli = new Cli(dir, store, "hooks.sns-topic-arns = " + FakeAws.OUR_TOPIC);
    run("account", "link", ACCOUNT, "--template-url", TEMPLATE).failsWithOneLine("aws.external-id-secret-file is not set");
    cli = new Cli(dir, store);
    run("account", "link", ACCOUNT, "--template-url", TEMPLATE).failsWithOneLine("hooks.sns-topic-arns is not set");
  }
}
