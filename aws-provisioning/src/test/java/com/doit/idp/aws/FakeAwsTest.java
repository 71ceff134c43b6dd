package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.CreateRoleRequest;
import software.amazon.awssdk.services.iam.model.MalformedPolicyDocumentException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/** The fake itself: it must refuse what IAM and STS refuse, or the provisioning tests would prove little. */
class FakeAwsTest {
  private static final String ACCOUNT = "123456789012";
  private static final String ROLE = "DoiT-Support-alice";
  private static final String PROVIDER_URL = "https://oidc.aws-ops.doit-intl.com/123456789012/alice";
  private static final String PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/alice";

  private FakeAws aws;
  private IamClient iam;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    aws.account(ACCOUNT, true);
    iam = iamAs(assume(ACCOUNT));
  }

  @AfterEach
  void stop() {
    iam.close();
    aws.close();
  }

  private Credentials assume(String account) {
    return assume(account, null);
  }

  private Credentials assume(String account, String externalId) {
    try (StsClient sts = StsClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeAws.OUR_ACCESS_KEY, FakeAws.OUR_SECRET)))
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.stsEndpoint())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
      return sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + account + ":role/DoiT_Management_Role_DO-NOT-DELETE")
          .roleSessionName("test").durationSeconds(900).externalId(externalId)).credentials();
    }
  }

  private IamClient iamAs(Credentials c) {
    return IamClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())))
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.iamEndpoint())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
  }

  private static String code(Runnable call) {
    AwsServiceException e = assertThrows(AwsServiceException.class, call::run);
    return e.awsErrorDetails().errorCode();
  }

  private void createProvider() {
    iam.createOpenIDConnectProvider(b -> b.url(PROVIDER_URL).clientIDList("sts.amazonaws.com"));
  }

  private static String trust(String federated) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\""
        + federated + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}";
  }

  private void createRole(Consumer<CreateRoleRequest.Builder> extra) {
    iam.createRole(b -> {
      b.roleName(ROLE).assumeRolePolicyDocument(trust(PROVIDER_ARN));
      extra.accept(b);
    });
  }

  @Test
  void stsRefusesAnAccountWithoutTheStackAndKeysOtherThanOurs() {
    aws.account("210987654321", false);
    assertEquals("AccessDenied", code(() -> assume("210987654321")));
    try (StsClient other = StsClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAOTHER00000000001", "x")))
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.stsEndpoint()).build()) {
      assertEquals("InvalidClientTokenId", code(() -> other.assumeRole(b -> b.roleArn(
          "arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE").roleSessionName("x2"))));
    }
  }

  @Test
  void stsAsksForTheExternalIdOnlyWhenTheStacksTrustRequiresIt() {
    aws.account(ACCOUNT, false).install(CustomerStack.load(), FakeAws.ourStack("external-1"));
    assertEquals("AccessDenied", code(() -> assume(ACCOUNT)));
    assertEquals("AccessDenied", code(() -> assume(ACCOUNT, "external-2")));
    assume(ACCOUNT, "external-1");
    assertEquals("ValidationError", code(() -> assume(ACCOUNT, "x")), "STS wants 2..1224 characters");

    aws.account(ACCOUNT, false).install(CustomerStack.seed(), FakeAws.seedStack());
    assume(ACCOUNT);
    assume(ACCOUNT, "external-1");
    Map<String, String> elsewhere = new java.util.HashMap<>(FakeAws.seedStack());
    elsewhere.put("AccountNumberParameter", "111111111111");
    aws.account(ACCOUNT, false).install(CustomerStack.seed(), elsewhere);
    assertEquals("AccessDenied", code(() -> assume(ACCOUNT)), "the trust names another account");
  }

  @Test
  void ourStackLetsTheRoleAttachOnlySecurityAuditAndSupportPoliciesTheOlderOneAnything() {
    createProvider();
    createRole(b -> {});
    assertEquals("AccessDenied", code(() -> iam.attachRolePolicy(b -> b.roleName(ROLE).policyArn(FakeAws.ADMINISTRATOR_ACCESS))));
    iam.attachRolePolicy(b -> b.roleName(ROLE).policyArn(FakeAws.SECURITY_AUDIT));
    iam.detachRolePolicy(b -> b.roleName(ROLE).policyArn(FakeAws.SECURITY_AUDIT));

    aws.account(ACCOUNT, false).install(CustomerStack.seed(), FakeAws.seedStack());
    iam.attachRolePolicy(b -> b.roleName(ROLE).policyArn(FakeAws.ADMINISTRATOR_ACCESS));
  }

  @Test
  void getCallerIdentityNamesOurAccount() {
    try (StsClient sts = StsClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeAws.OUR_ACCESS_KEY, FakeAws.OUR_SECRET)))
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.stsEndpoint()).build()) {
      assertEquals(FakeAws.OUR_ACCOUNT, sts.getCallerIdentity(b -> {}).account());
    }
  }

  @Test
  void iamRefusesOurLongTermKeyBecauseOnlyTheAssumedRoleMayCall() {
    try (IamClient direct = IamClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeAws.OUR_ACCESS_KEY, FakeAws.OUR_SECRET)))
        .httpClient(UrlConnectionHttpClient.create()).endpointOverride(aws.iamEndpoint()).build()) {
      assertEquals("InvalidClientTokenId", code(() -> direct.listOpenIDConnectProviders(b -> {})));
    }
  }

  @Test
  void aRequestWithoutSignatureOrWithUnknownParametersIsRefusedWithIamsXmlError() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(aws.iamEndpoint())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("Action=ListOpenIDConnectProviders&Version=2010-05-08")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, unsigned.statusCode());
    assertTrue(unsigned.body().contains("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
        + "<Type>Sender</Type><Code>MissingAuthenticationToken</Code>"), unsigned.body());

    HttpResponse<String> repeated = http.send(HttpRequest.newBuilder(aws.iamEndpoint())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("Action=GetRole&Action=GetRole")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, repeated.statusCode());
    assertTrue(repeated.body().contains("<Code>MalformedQueryString</Code>"), repeated.body());
  }

  @Test
  void callsOutsideTheTemplatesPolicyAreDenied() {
    createProvider();
    createRole(b -> {});
    assertEquals("AccessDenied", code(() -> iam.putRolePolicy(b -> b.roleName(ROLE).policyName("x").policyDocument("{}"))));
    assertEquals("AccessDenied", code(() -> iam.createRole(b -> b.roleName("Admin").assumeRolePolicyDocument(trust(PROVIDER_ARN)))));
    assertEquals("AccessDenied", code(() -> iam.createPolicy(b -> b.policyName("CustomerPolicy").policyDocument(SupportPolicy.json()))));
    assertEquals("AccessDenied", code(() -> iam.addClientIDToOpenIDConnectProvider(b -> b.openIDConnectProviderArn(PROVIDER_ARN).clientID("x"))));
    assertEquals("AccessDenied", code(() -> iam.createOpenIDConnectProvider(b -> b.url("https://token.actions.githubusercontent.com"))));
  }

  @Test
  void tagsNeedATagPermissionTheStackDoesNotGrant() {
    createProvider();
    String c = code(() -> createRole(b -> b.tags(t -> t.key("owner").value("doit"))));
    assertEquals("AccessDenied", c);
    assertTrue(aws.received().stream().anyMatch(r -> "AccessDenied".equals(r.error()) && r.action().equals("CreateRole")));
    assertEquals("AccessDenied", code(() -> iam.createPolicy(b -> b.policyName("DoiT-Support-alice")
        .policyDocument(SupportPolicy.json()).tags(t -> t.key("k").value("v")))));
  }

  @Test
  void providerUrlsClientIdsAndThumbprintsAreValidatedAsIamDoes() {
    assertEquals("InvalidInput", code(() -> iam.createOpenIDConnectProvider(b -> b.url("http://oidc.aws-ops.doit-intl.com/1"))));
    assertEquals("InvalidInput", code(() -> iam.createOpenIDConnectProvider(b -> b.url("https://oidc.aws-ops.doit-intl.com:8443/1"))));
    assertEquals("InvalidInput", code(() -> iam.createOpenIDConnectProvider(b -> b.url("https://oidc.aws-ops.doit-intl.com/1?x=1"))));
    assertEquals("ValidationError", code(() -> iam.createOpenIDConnectProvider(b -> b.url(PROVIDER_URL).clientIDList("x".repeat(256)))));
    assertEquals("ValidationError", code(() -> iam.createOpenIDConnectProvider(b -> b.url(PROVIDER_URL).thumbprintList("not-hex"))));
    createProvider();
    assertEquals("EntityAlreadyExists", code(this::createProvider));
    assertEquals("InvalidInput", code(() -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn("arn:aws:iam::1:oidc-provider/x"))));
  }

  @Test
  void roleNamesAndTrustPoliciesAreValidatedAsIamDoes() {
    assertEquals("ValidationError", code(() -> iam.createRole(b -> b.roleName("DoiT-Support-" + "x".repeat(52))
        .assumeRolePolicyDocument(trust(PROVIDER_ARN)))));
    assertEquals("ValidationError", code(() -> iam.createRole(b -> b.roleName("DoiT-Support-a b")
        .assumeRolePolicyDocument(trust(PROVIDER_ARN)))));
    assertInstanceOf(MalformedPolicyDocumentException.class, assertThrows(AwsServiceException.class,
        () -> createRole(b -> {})), "the federated provider does not exist yet");
    createProvider();
    assertEquals("MalformedPolicyDocument", code(() -> iam.createRole(b -> b.roleName(ROLE).assumeRolePolicyDocument("{not json"))));
    assertEquals("MalformedPolicyDocument", code(() -> iam.createRole(b -> b.roleName(ROLE)
        .assumeRolePolicyDocument(trust(PROVIDER_ARN).replace("sts:AssumeRoleWithWebIdentity", "iam:PassRole")))));
    assertEquals("ValidationError", code(() -> createRole(b -> b.maxSessionDuration(100))));
    createRole(b -> {});
    assertEquals("EntityAlreadyExists", code(() -> createRole(b -> {})));
    assertTrue(iam.getRole(b -> b.roleName(ROLE)).role().assumeRolePolicyDocument().startsWith("%7B%22Version%22"),
        "documents come back URL-encoded, as from IAM");
  }

  @Test
  void identityPoliciesAreValidatedAndDeletionOrderIsEnforced() {
    assertEquals("MalformedPolicyDocument", code(() -> iam.createPolicy(b -> b.policyName("DoiT-Support-alice")
        .policyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"support:*\"}]}"))));
    assertEquals("MalformedPolicyDocument", code(() -> iam.createPolicy(b -> b.policyName("DoiT-Support-alice")
        .policyDocument(trust(PROVIDER_ARN).replace("}]}", ",\"Resource\":\"*\"}]}")))));
    String arn = iam.createPolicy(b -> b.policyName("DoiT-Support-alice").policyDocument(SupportPolicy.json())).policy().arn();
    createProvider();
    createRole(b -> {});
    iam.attachRolePolicy(b -> b.roleName(ROLE).policyArn(arn));
    assertEquals("NoSuchEntity", code(() -> iam.attachRolePolicy(b -> b.roleName(ROLE).policyArn("arn:aws:iam::123456789012:policy/DoiT-Support-missing"))));
    assertEquals("DeleteConflict", code(() -> iam.deleteRole(b -> b.roleName(ROLE))));
    assertEquals("DeleteConflict", code(() -> iam.deletePolicy(b -> b.policyArn(arn))));
    iam.createPolicyVersion(b -> b.policyArn(arn).policyDocument(SupportPolicy.json()).setAsDefault(true));
    assertEquals("DeleteConflict", code(() -> iam.deletePolicyVersion(b -> b.policyArn(arn).versionId("v2"))));
    iam.detachRolePolicy(b -> b.roleName(ROLE).policyArn(arn));
    assertEquals("DeleteConflict", code(() -> iam.deletePolicy(b -> b.policyArn(arn))), "v1 is still there");
    iam.deletePolicyVersion(b -> b.policyArn(arn).versionId("v1"));
    iam.deletePolicy(b -> b.policyArn(arn));
    iam.deleteRole(b -> b.roleName(ROLE));
    assertThrows(NoSuchEntityException.class, () -> iam.getRole(b -> b.roleName(ROLE)));
  }

  @Test
  void faultsAreInjectedOnTheNthCallAndOnANamedAction() {
    aws.failNth(2, "ServiceFailure");
    iam.listOpenIDConnectProviders(b -> {});
    AwsServiceException e = assertThrows(AwsServiceException.class, () -> iam.listOpenIDConnectProviders(b -> {}));
    assertEquals(500, e.statusCode());
    iam.listOpenIDConnectProviders(b -> {});
    aws.failNext("GetRole", "Throttling");
    assertEquals("Throttling", code(() -> iam.getRole(b -> b.roleName(ROLE))));
    assertEquals("NoSuchEntity", code(() -> iam.getRole(b -> b.roleName(ROLE))));
    assertEquals(List.of("ListOpenIDConnectProviders", "ListOpenIDConnectProviders", "ListOpenIDConnectProviders",
        "GetRole", "GetRole"), aws.iamActions());
  }

  @Test
  void theQuotaOfOidcProvidersIsEnforced() {
    aws.account(ACCOUNT, true).withForeignProviders(FakeAws.PROVIDER_QUOTA);
    assertEquals("LimitExceeded", code(this::createProvider));
  }
}
