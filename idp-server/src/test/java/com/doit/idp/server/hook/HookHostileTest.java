package com.doit.idp.server.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.server.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the internet may post to {@code /hooks/cloudformation}: each hostile message is refused with a JSON 403 or
 * 400, audited as {@code hook.refused} with its reason, causes no outbound call (counted at the SNS stand-in, the
 * CloudFormation stand-in and the AWS fake) and changes nothing in the HSM.
 */
class HookHostileTest {
  private static final String ACCOUNT = "123456789012";

  @TempDir Path dir;
  private HookRig rig;
  private TestServer t;
  private int certFetchesBefore;

  @BeforeEach
  void start() throws Exception {
    rig = new HookRig(dir, Map.of("http.max-body", "16KiB"));
    t = rig.start(null);
    rig.installOurStack(ACCOUNT);
    t.createRole(ACCOUNT, "alice");
    // One good message first, so the signing certificate is fetched and cached: later refusals fetch nothing.
    Map<String, Object> ok = rig.cfn.request("Update", ACCOUNT, FakeAws.OUR_TOPIC, "aws-ops-idp:" + ACCOUNT);
    assertEquals(200, post(rig.sns.sign(rig.notification(t, ok))).statusCode());
    rig.aws.forgetReceived();
    certFetchesBefore = rig.sns.certFetches();
    t.audit.clear();
  }

  @AfterEach
  void stop() {
    rig.close();
  }

  private HttpResponse<String> post(SnsStandIn.Message m) {
    return rig.sns.post(HookRig.endpoint(t), m.json(), m);
  }

  private Map<String, Object> create() {
    return rig.cfn.request("Create", ACCOUNT, FakeAws.OUR_TOPIC, null);
  }

  private SnsStandIn.Message signed(Map<String, Object> request) {
    return rig.sns.sign(rig.notification(t, request));
  }

  /** Refused with {@code status}, audited with a reason containing {@code why}, no outbound call, no change. */
  private void assertRefused(HttpResponse<String> r, int status, String why) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    Map<String, Object> body = TestServer.json(r);
    assertEquals(status == 403 ? "forbidden" : status == 413 ? "invalid_request" : "invalid_request", body.get("error"));
    List<AuditEvent> refused = t.audit.stream().filter(e -> e.event().equals(AuditEvent.HOOK_REFUSED)).toList();
    assertEquals(1, refused.size(), t.audit.toString());
    assertTrue(refused.get(0).reason().contains(why), refused.get(0).reason());
    assertTrue(t.audit.stream().noneMatch(e -> e.event().startsWith("account.") || e.event().startsWith("role.")
        || e.event().startsWith("key.")), "no change: " + t.audit);
    assertEquals(1, rig.cfn.requests(), "no answer sent (the one is the setup's)");
    assertEquals(List.of(), rig.aws.received(), "no AWS call");
    assertEquals(certFetchesBefore, rig.sns.certFetches(), "no certificate fetched");
    assertTrue(rig.sns.confirmations().isEmpty());
    assertEquals(1, t.store.list().size(), "the HSM is as it was");
    assertFalse(r.body().contains("Exception"), "no internals: " + r.body());
  }

  private SnsStandIn.Message tampered(Consumer<SnsStandIn.Message> change) {
    SnsStandIn.Message m = signed(create());
    change.accept(m);
    return m;
  }

  @Test
  void aMessageChangedAfterSigningIsRefused() {
    assertRefused(post(tampered(m -> m.set("Message", m.get("Message").replace("Create", "Delete")))), 403, "bad signature");
  }

  @Test
  void aSignatureFromAnotherKeyIsRefused() throws Exception {
    KeyPair stranger = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    SnsStandIn.Message m = SnsStandIn.sign(rig.notification(t, create()), "SHA1withRSA", stranger.getPrivate());
    assertRefused(post(m), 403, "bad signature");
  }

  @Test
  void version2SignedWithSha1IsRefused() {
    SnsStandIn.Message m = rig.notification(t, create()).set("SignatureVersion", "2");
    assertRefused(post(SnsStandIn.sign(m, "SHA1withRSA", signingKey())), 403, "bad signature");
  }

  @Test
  void version1SignedWithSha256IsRefused() {
    SnsStandIn.Message m = rig.notification(t, create()).set("SignatureVersion", "1");
    assertRefused(post(SnsStandIn.sign(m, "SHA256withRSA", signingKey())), 403, "bad signature");
  }

  @Test
  void anUnknownSignatureVersionIsRefused() {
    assertRefused(post(tampered(m -> m.set("SignatureVersion", "3"))), 403, "unsupported SignatureVersion");
  }

  private java.security.PrivateKey signingKey() {
    return rig.sns.signingKey();
  }

  @Test
  void aCertificateUrlOnAnotherHostOrOverHttpIsRefusedWithoutFetchingIt() {
    for (String url : List.of("https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem",
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
        "https://evil.example/SimpleNotificationService-1.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem?x=1",
        "http://127.0.0.2:" + rig.sns.certHost().split(":")[1] + "/x.pem",
        "https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem")) {
      t.audit.clear();
      SnsStandIn.Message m = rig.sns.sign(rig.notification(t, create()).set("SigningCertURL", url));
      assertRefused(post(m), 403, "SigningCertURL");
    }
  }

  @Test
  void aSnsHostOnAnotherPortIsAnotherHost() throws Exception {
    try (SnsStandIn stranger = new SnsStandIn(TestServer.START)) {
      SnsStandIn.Message m = stranger.sign(stranger.notification(FakeAws.OUR_TOPIC, CloudFormationStandIn.json(create()),
          t.clock.instant()));
      assertRefused(post(m), 403, "SigningCertURL is not on an SNS host");
      assertEquals(0, stranger.certFetches());
    }
  }

  /** A certificate served from an allowed host but not to be believed: fetched once, then refused. */
  private void assertCertificateRefused(String why) {
    certFetchesBefore++;
    assertRefused(post(signed(create())), 403, why);
  }

  @Test
  void aCertificateFromACaTheServerDoesNotTrustIsRefused() throws Exception {
    rig.sns.newSigner(false, "sns.amazonaws.com", TestServer.START.plus(Duration.ofDays(30)));
    assertCertificateRefused("does not chain to a trusted CA");
  }

  @Test
  void aTrustedCertificateNotIssuedToSnsIsRefused() throws Exception {
    rig.sns.newSigner(true, "shop.example.com", TestServer.START.plus(Duration.ofDays(30)));
    assertCertificateRefused("not issued to SNS");
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    rig.sns.newSigner(true, "sns.amazonaws.com", TestServer.START.minus(Duration.ofDays(1)));
    assertCertificateRefused("does not chain to a trusted CA");
  }

  @Test
  void anExpiredOrFutureTimestampIsRefused() {
    Instant old = t.clock.instant().minus(Duration.ofHours(1)).minusSeconds(1);
    assertRefused(post(rig.sns.sign(rig.notification(t, create()).set("Timestamp", old.toString()))), 403, "older than hooks.max-age");
    t.audit.clear();
    Instant ahead = t.clock.instant().plus(Duration.ofMinutes(6));
    assertRefused(post(rig.sns.sign(rig.notification(t, create()).set("Timestamp", ahead.toString()))), 403, "in the future");
  }

  @Test
  void aTopicNotAllowedIsRefused() {
    String other = "arn:aws:sns:us-east-1:" + FakeAws.OUR_ACCOUNT + ":someone-elses-topic";
    SnsStandIn.Message m = rig.sns.sign(rig.sns.notification(other, CloudFormationStandIn.json(create()), t.clock.instant()));
    assertRefused(post(m), 403, "topic not in hooks.sns-topic-arns");
    t.audit.clear();
    assertRefused(post(rig.sns.sign(rig.sns.subscriptionConfirmation(other, t.clock.instant()))), 403, "topic not");
  }

  @Test
  void accountsThatDoNotAgreeBetweenAccountIdStackIdAndRoleArnAreRefused() {
    Map<String, Object> stack = create();
    stack.put("StackId", CloudFormationStandIn.stackId("210987654321"));
    assertRefused(post(signed(stack)), 400, "AccountId is not the account of the StackId");

    t.audit.clear();
    Map<String, Object> role = create();
    properties(role).put("RoleArn", "arn:aws:iam::210987654321:role/DoiT_Management_Role_DO-NOT-DELETE");
    assertRefused(post(signed(role)), 400, "AccountId is not the account of the RoleArn");

    t.audit.clear();
    Map<String, Object> name = create();
    properties(name).put("RoleArn", "arn:aws:iam::" + ACCOUNT + ":role/Admin");
    assertRefused(post(signed(name)), 400, "is not the role DoiT_Management_Role_DO-NOT-DELETE");

    assertEquals(ACCOUNT, t.audit.stream().filter(e -> e.event().equals(AuditEvent.HOOK_REFUSED)).findFirst()
        .orElseThrow().account(), "the refusal names the account it claimed");

    t.audit.clear();
    Map<String, Object> digits = create();
    properties(digits).put("AccountId", "12345");
    assertRefused(post(signed(digits)), 400, "12 digits");

    t.audit.clear();
    Map<String, Object> token = create();
    properties(token).put("ServiceToken", "arn:aws:sns:us-east-1:210987654321:another-topic");
    assertRefused(post(signed(token)), 400, "ServiceToken");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> properties(Map<String, Object> request) {
    return (Map<String, Object>) request.get("ResourceProperties");
  }

  @Test
  void aResponseUrlOnAForeignHostIsRefused() {
    for (String url : List.of("https://evil.example.com/answer", "https://amazonaws.com.evil.example/x",
        "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "http://169.254.169.254/latest/meta-data/")) {
      t.audit.clear();
      Map<String, Object> r = create();
      r.put("ResponseURL", url);
      assertRefused(post(signed(r)), 400, "ResponseURL");
    }
  }

  @Test
  void aLoopbackResponseUrlIsRefusedUnlessTheTestSwitchIsOn() {
    assertTrue(CloudFormationRequest.responseUrl("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a?b=c", false) != null);
    HookRefusal r = org.junit.jupiter.api.Assertions.assertThrows(HookRefusal.class,
        () -> CloudFormationRequest.responseUrl("http://127.0.0.1:8080/x", false));
    assertEquals(HookRefusal.Kind.MALFORMED, r.kind());
  }

  @Test
  void aBodyOverTheLimitIsRefused() {
    SnsStandIn.Message m = signed(create());
    HttpResponse<String> r = rig.sns.post(HookRig.endpoint(t), m.json() + " ".repeat(16 * 1024), m);
    assertRefused(r, 413, "http.max-body");
  }

  @Test
  void aMessageThatIsNotACloudFormationRequestIsRefused() {
    SnsStandIn.Message m = rig.sns.sign(rig.sns.notification(FakeAws.OUR_TOPIC, "not json {", t.clock.instant()));
    assertRefused(post(m), 400, "not a CloudFormation request");
    t.audit.clear();
    Map<String, Object> r = create();
    r.put("RequestType", "Explode");
    assertRefused(post(signed(r)), 400, "RequestType");
  }

  @Test
  void aBodyThatIsNotAnSnsMessageIsRefused() {
    for (String body : List.of("", "[]", "{\"Type\":\"Notification\"}", "{\"Type\":\"Whatever\",\"MessageId\":\"1\"}",
        "\u0000\u00ff")) {
      t.audit.clear();
      assertRefused(rig.sns.post(HookRig.endpoint(t), body, null), 400, "");
    }
  }

  @Test
  void aSubscribeUrlOffTheSnsHostIsNeverVisited() {
    SnsStandIn.Message m = rig.sns.subscriptionConfirmation(FakeAws.OUR_TOPIC, t.clock.instant());
    m.set("SubscribeURL", "http://127.0.0.1:9/?Action=ConfirmSubscription&TopicArn=" + FakeAws.OUR_TOPIC);
    assertRefused(post(rig.sns.sign(m)), 403, "SubscribeURL is not on the SNS host");
  }

  @Test
  void aReplayedMessageDoesNothingTwice() {
    Map<String, Object> request = create();
    SnsStandIn.Message m = signed(request);
    assertEquals(200, post(m).statusCode());
    int answers = rig.cfn.requests();
    int calls = rig.aws.received().size();

    HttpResponse<String> replay = post(m);

    assertEquals(200, replay.statusCode());
    assertEquals("already_answered", TestServer.json(replay).get("status"));
    assertEquals(answers, rig.cfn.requests());
    assertEquals(calls, rig.aws.received().size());
  }

  @Test
  void withoutTopicsTheEndpointIsNotThere() throws Exception {
    Path other = dir.resolve("off");
    java.nio.file.Files.createDirectories(other);
    try (TestServer off = TestServer.startWith(TestServer.config(other, Map.of(), true))) {
      HttpResponse<String> r = off.send(HttpRequest.newBuilder(HookRig.endpoint(off))
          .POST(HttpRequest.BodyPublishers.ofString(signed(create()).json())).build());
      assertEquals(404, r.statusCode());
      assertEquals("not_found", TestServer.json(r).get("error"));
    }
  }

  @Test
  void theHookIsOnThePublicListenerOnlyAndPostOnly() {
    assertEquals(404, t.send(HttpRequest.newBuilder(t.url("token", "/hooks/cloudformation"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode());
    assertEquals(405, t.get("public", "/hooks/cloudformation").statusCode());
  }
}
