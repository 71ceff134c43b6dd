package com.doit.idp.server.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.aws.FakeAccount;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole hook path with the keys in a real SoftHSM2 token and the strict IAM/STS fake: SNS stand-in -> public
 * listener -> verification -> the customer's account -> the answer at the CloudFormation stand-in. Redeliveries and
 * a second replica over the same token answer the same and change nothing twice.
 */
class HookEndToEndTest {
  private static Pkcs11RoleKeyStore store;

  @TempDir Path dir;
  private HookRig rig;
  private String account;
  private TestServer t;

  @BeforeAll
  static void openHsm() {
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
  }

  @AfterAll
  static void closeHsm() {
    store.close();
  }

  @BeforeEach
  void start() throws Exception {
    rig = new HookRig(dir, Map.of());
    account = SoftHsmToken.uniqueAccount();
    t = rig.start(store);
  }

  @AfterEach
  void stop() {
    rig.close();
  }

  private HttpResponse<String> deliver(TestServer server, SnsStandIn.Message m) {
    List<HttpResponse<String>> answers = rig.sns.deliver(HookRig.endpoint(server), rig.sns.sign(m), 3);
    return answers.get(answers.size() - 1);
  }

  private long keysOf(String acct) {
    return store.list().stream().filter(k -> k.role().account().equals(acct)).count();
  }

  private List<AuditEvent> audit(TestServer server, String event) {
    synchronized (server.audit) {
      return server.audit.stream().filter(e -> e.event().equals(event)).toList();
    }
  }

  @Test
  void createIsAnsweredSuccessWithTheIssuerAndTheProvidersUsed() {
    rig.installOurStack(account);
    rig.aws.account(account).withForeignProviders(7);
    Map<String, Object> request = rig.cfn.request("Create", account, FakeAws.OUR_TOPIC, null);

    HttpResponse<String> r = deliver(t, rig.notification(t, request));

    assertEquals(200, r.statusCode(), r.body());
    assertEquals("answered", TestServer.json(r).get("status"));
    List<CloudFormationStandIn.Answer> answers = rig.cfn.answersFor(request);
    assertEquals(1, answers.size());
    CloudFormationStandIn.Answer a = answers.get(0);
    assertEquals("", a.contentType(), "an empty Content-Type, as the URL was presigned without one");
    assertEquals("SUCCESS", a.status());
    assertEquals("aws-ops-idp:" + account, a.json().get("PhysicalResourceId"));
    assertEquals(request.get("StackId"), a.json().get("StackId"));
    assertEquals(request.get("RequestId"), a.json().get("RequestId"));
    assertEquals("Hook", a.json().get("LogicalResourceId"));
    assertEquals(Map.of("Issuer", "https://oidc.aws-ops.doit-intl.com", "OidcProvidersUsed", "7"), a.data());
    AuditEvent onboarded = audit(t, AuditEvent.ACCOUNT_ONBOARDED).get(0);
    assertEquals(account, onboarded.account());
    assertEquals("cloudformation-hook", onboarded.actor());
    assertEquals(List.of(), rig.aws.iamWrites(), "onboarding reads only");
  }

  @Test
  void createForAnAccountWhoseRoleCannotBeAssumedIsAnsweredFailedWithTheReason() {
    Map<String, String> typo = new HashMap<>(FakeAws.ourStack(ProvisioningFixture.externalId(account)));
    typo.put("AccountNumberParameter", "462932234033");
    rig.aws.account(account, false).install(com.doit.idp.aws.CustomerStack.load(), typo);
    Map<String, Object> request = rig.cfn.request("Create", account, FakeAws.OUR_TOPIC, null);

    HttpResponse<String> r = deliver(t, rig.notification(t, request));

    assertEquals(200, r.statusCode(), r.body());
    CloudFormationStandIn.Answer a = rig.cfn.answersFor(request).get(0);
    assertEquals("FAILED", a.status());
    assertEquals("the role DoiT_Management_Role_DO-NOT-DELETE in " + account + " cannot be assumed by "
        + FakeAws.OUR_ACCOUNT + ": check the AccountNumberParameter and the ExternalId parameter (`keys-admin account "
        + "link " + account + "` gives both), and that the stack's management role exists", a.reason());
    assertEquals("aws-ops-idp:" + account + ":not-onboarded", a.json().get("PhysicalResourceId"),
        "the rollback's Delete of a failed create must not offboard the account");
    assertEquals(a.reason(), audit(t, AuditEvent.ACCOUNT_REFUSED).get(0).reason());
  }

  @Test
  void deleteDeprovisionsEverySupportRoleRevokesItsKeysAndSucceedsAndRedeliveriesChangeNothing() {
    rig.installOurStack(account);
    List<RoleId> three = List.of(new RoleId(account, "ann"), new RoleId(account, "ben"), new RoleId(account, "cho"));
    for (RoleId id : three) {
      t.createRole(id.account(), id.engineer());
      rig.provisioner.provision(id);
    }
    FakeAccount customer = rig.aws.account(account);
    assertEquals(3, customer.providerCount());
    rig.aws.forgetReceived();
    Map<String, Object> request = rig.cfn.request("Delete", account, FakeAws.OUR_TOPIC, "aws-ops-idp:" + account);
    SnsStandIn.Message m = rig.sns.sign(rig.notification(t, request));

    HttpResponse<String> r = deliver(t, m);

    assertEquals(200, r.statusCode(), r.body());
    CloudFormationStandIn.Answer a = rig.cfn.answersFor(request).get(0);
    assertEquals("SUCCESS", a.status());
    assertEquals("no aws-ops-idp support role remains in account " + account, a.reason());
    assertEquals("aws-ops-idp:" + account, a.json().get("PhysicalResourceId"));
    for (RoleId id : three) assertNull(customer.role("DoiT-Support-" + id.engineer()), id.toString());
    assertEquals(0, customer.providerCount());
    assertEquals(0, keysOf(account), "the keys are gone from the HSM");
    assertEquals(404, t.get("public", "/" + account + "/ann/jwks.json").statusCode(), "this replica serves it no more");
    AuditEvent offboarded = audit(t, AuditEvent.ACCOUNT_OFFBOARDED).get(0);
    assertEquals("removed: " + account + "/ann, " + account + "/ben, " + account + "/cho; left: none", offboarded.reason());
    int writes = rig.aws.iamWrites().size();
    int keyDeletes = audit(t, AuditEvent.KEY_DELETED).size();

    // SNS redelivers the same message (our 2xx got lost): nothing is done again, nothing is sent again.
    HttpResponse<String> again = rig.sns.deliver(HookRig.endpoint(t), m, 1).get(0);
    assertEquals(200, again.statusCode());
    assertEquals("already_answered", TestServer.json(again).get("status"));
    assertEquals(1, rig.cfn.answersFor(request).size());

    // Another replica over the same HSM gets it too (or this one restarted): the same answer, no second change.
    TestServer other = rig.start(store);
    HttpResponse<String> there = rig.sns.deliver(HookRig.endpoint(other), m, 1).get(0);
    assertEquals(200, there.statusCode(), there.body());
    List<CloudFormationStandIn.Answer> both = rig.cfn.answersFor(request);
    assertEquals(2, both.size());
    assertEquals(both.get(0).json(), both.get(1).json(), "the same RequestId gets the same answer");
    assertEquals(writes, rig.aws.iamWrites().size(), "no second change in the account");
    assertEquals(0, audit(other, AuditEvent.KEY_DELETED).size(), "no second change in the HSM");
    assertEquals(keyDeletes, audit(t, AuditEvent.KEY_DELETED).size());
  }

  @Test
  void twoReplicasReceivingTheSameDeleteAtOnceMakeOneSetOfChanges() throws Exception {
    rig.installOurStack(account);
    List<RoleId> roles = List.of(new RoleId(account, "dan"), new RoleId(account, "eve"), new RoleId(account, "fay"));
    for (RoleId id : roles) {
      t.createRole(id.account(), id.engineer());
      rig.provisioner.provision(id);
    }
    rig.aws.forgetReceived();
    TestServer other = rig.start(store);
    Map<String, Object> request = rig.cfn.request("Delete", account, FakeAws.OUR_TOPIC, "aws-ops-idp:" + account);
    SnsStandIn.Message m = rig.sns.sign(rig.notification(t, request));

    CompletableFuture<HttpResponse<String>> here = CompletableFuture.supplyAsync(() -> rig.sns.deliver(HookRig.endpoint(t), m, 1).get(0));
    CompletableFuture<HttpResponse<String>> there = CompletableFuture.supplyAsync(() -> rig.sns.deliver(HookRig.endpoint(other), m, 1).get(0));

    assertEquals(200, here.get().statusCode(), here.get().body());
    assertEquals(200, there.get().statusCode(), there.get().body());
    List<CloudFormationStandIn.Answer> answers = rig.cfn.answersFor(request);
    assertEquals(2, answers.size());
    assertEquals(answers.get(0).json(), answers.get(1).json(), "both replicas answer the same");
    assertEquals("SUCCESS", answers.get(0).status());
    // Per role: two detachments, the role, the policy, the provider; each made once whichever replica made it.
    assertEquals(roles.size() * 5, rig.aws.iamWrites().size(), rig.aws.iamWrites().toString());
    assertEquals(0, keysOf(account));
    assertEquals(0, rig.aws.account(account).providerCount());
  }

  @Test
  void anUpdateWithOurResourceIsCheckedAgainAndAnsweredWithTheSameId() {
    rig.installOurStack(account);
    Map<String, Object> request = rig.cfn.request("Update", account, FakeAws.OUR_TOPIC, "aws-ops-idp:" + account);

    assertEquals(200, deliver(t, rig.notification(t, request)).statusCode());

    CloudFormationStandIn.Answer a = rig.cfn.answersFor(request).get(0);
    assertEquals("SUCCESS", a.status());
    assertEquals("aws-ops-idp:" + account, a.json().get("PhysicalResourceId"));
  }

  @Test
  void theDeleteOfAFailedCreateTouchesNothing() {
    rig.installOurStack(account);
    t.createRole(account, "gil");
    Map<String, Object> request = rig.cfn.request("Delete", account, FakeAws.OUR_TOPIC,
        "aws-ops-idp:" + account + ":not-onboarded");

    assertEquals(200, deliver(t, rig.notification(t, request)).statusCode());

    assertEquals("SUCCESS", rig.cfn.answersFor(request).get(0).status());
    assertEquals(1, keysOf(account), "the role of the account's other stack is still there");
    assertEquals(List.of(), rig.aws.received(), "no AWS call");
  }

  @Test
  void anAccountWithTheOlderStackIsOnboardedAndOffboarded() {
    rig.aws.account(account, false).install(com.doit.idp.aws.CustomerStack.seed(), FakeAws.seedStack());
    t.createRole(account, "hal");
    rig.provisioner.provision(new RoleId(account, "hal"));
    Map<String, Object> create = rig.cfn.request("Create", account, FakeAws.OUR_TOPIC, null);
    Map<String, Object> delete = rig.cfn.request("Delete", account, FakeAws.OUR_TOPIC, "aws-ops-idp:" + account);

    deliver(t, rig.notification(t, create));
    deliver(t, rig.notification(t, delete));

    assertEquals("SUCCESS", rig.cfn.answersFor(create).get(0).status());
    assertEquals("SUCCESS", rig.cfn.answersFor(delete).get(0).status());
    assertNull(rig.aws.account(account).role("DoiT-Support-hal"));
    assertEquals(0, keysOf(account));
  }

  @Test
  void anAnswerIsRetriedWhileTheResponseUrlFailsAndSnsRedeliversWhenItKeepsFailing() {
    rig.installOurStack(account);
    Map<String, Object> request = rig.cfn.request("Create", account, FakeAws.OUR_TOPIC, null);
    rig.cfn.failNext(2);

    HttpResponse<String> r = rig.sns.deliver(HookRig.endpoint(t), rig.sns.sign(rig.notification(t, request)), 1).get(0);

    assertEquals(200, r.statusCode(), r.body());
    assertEquals(3, rig.cfn.requests(), "two 500s, then the answer");
    assertEquals(1, rig.cfn.answersFor(request).size());

    Map<String, Object> second = rig.cfn.request("Create", account, FakeAws.OUR_TOPIC, null);
    rig.cfn.failNext(CloudFormationResponder.ATTEMPTS);
    SnsStandIn.Message m = rig.sns.sign(rig.notification(t, second));
    HttpResponse<String> failed = rig.sns.deliver(HookRig.endpoint(t), m, 1).get(0);
    assertEquals(503, failed.statusCode(), failed.body());
    assertTrue(failed.headers().firstValue("Retry-After").isPresent());
    HttpResponse<String> redelivered = rig.sns.deliver(HookRig.endpoint(t), m, 1).get(0);
    assertEquals(200, redelivered.statusCode(), redelivered.body());
    assertEquals(1, rig.cfn.answersFor(second).size());
    assertEquals(2, audit(t, AuditEvent.ACCOUNT_ONBOARDED).size(), "the second delivery reused the first's answer");
  }

  @Test
  void aSubscriptionToAnAllowedTopicIsConfirmedOnTheSnsHost() {
    HttpResponse<String> r = deliver(t, rig.sns.subscriptionConfirmation(FakeAws.OUR_TOPIC, t.clock.instant()));

    assertEquals(200, r.statusCode(), r.body());
    assertEquals("subscription_confirmed", TestServer.json(r).get("status"));
    assertEquals(1, rig.sns.confirmations().size());
    assertTrue(rig.sns.confirmations().get(0).contains("TopicArn=" + java.net.URLEncoder.encode(FakeAws.OUR_TOPIC,
        java.nio.charset.StandardCharsets.UTF_8)));
  }
}
