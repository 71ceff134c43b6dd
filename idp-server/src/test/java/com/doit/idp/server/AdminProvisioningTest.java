package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.aws.FakeAccount;
import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.role.RoleNames;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API's {@code "provision": true} and {@code ?deprovision=true}, over HTTP, against the fake STS and IAM. */
@SuppressWarnings("unchecked")
class AdminProvisioningTest {
  private static final String ACCOUNT = "123456789012";

  @TempDir Path dir;
  private FakeAws aws;
  private FakeAccount account;
  private IamProvisioner provisioner;
  private TestServer t;

  private void start(Map<String, String> extra) throws Exception {
    aws = new FakeAws();
    account = aws.account(ACCOUNT, true);
    // The same names as the server's configuration, so a refused configuration is refused by both.
    provisioner = ProvisioningFixture.provisioner(aws, RoleNames.of(TestServer.config(dir, extra, true)), List.of());
    t = TestServer.startProvisioning(dir, extra, provisioner);
  }

  @AfterEach
  void stop() {
    if (t != null) t.close();
    if (provisioner != null) provisioner.close();
    if (aws != null) aws.close();
  }

  private HttpResponse<String> create(String engineer) {
    return t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"" + engineer + "\",\"provision\":true}"));
  }

  @Test
  void createWithProvisionCreatesTheRoleAndTheCustomerSide() throws Exception {
    start(Map.of());
    HttpResponse<String> r = create("alice");

    assertEquals(201, r.statusCode(), r.body());
    Map<String, Object> body = TestServer.json(r);
    assertEquals(ACCOUNT + "/alice", body.get("role"));
    Map<String, Object> provisioning = (Map<String, Object>) body.get("provisioning");
    assertEquals(true, provisioning.get("changed"));
    assertEquals(5, ((List<?>) provisioning.get("steps")).size());
    assertEquals(1, t.store.list().size());
    assertNotNull(account.role("DoiT-Support-alice"));
  }

  @Test
  void deleteWithDeprovisionRevokesThenRemovesTheCustomerSide() throws Exception {
    start(Map.of());
    assertEquals(201, create("alice").statusCode());

    HttpResponse<String> d = t.send(t.admin("DELETE", "/admin/roles/" + ACCOUNT + "/alice?deprovision=true", null));

    assertEquals(200, d.statusCode(), d.body());
    Map<String, Object> body = TestServer.json(d);
    assertEquals(true, body.get("revoked"));
    assertEquals(true, ((Map<String, Object>) body.get("deprovisioning")).get("changed"));
    assertTrue(t.store.list().isEmpty());
    assertNull(account.role("DoiT-Support-alice"));
    assertEquals(0, account.providerCount());
  }

  @Test
  void aPlanTheManagementPolicyRefusesIs409BeforeTheHsmChanges() throws Exception {
    start(Map.of("issuer.role-prefix", "Admin-"));
    HttpResponse<String> r = create("alice");

    assertEquals(409, r.statusCode(), r.body());
    Map<String, Object> body = TestServer.json(r);
    assertEquals("conflict", body.get("error"));
    assertTrue(((String) body.get("error_description")).contains("refused before any call"), r.body());
    assertEquals(List.of(), body.get("done"), "nothing done");
    assertEquals(List.of(), body.get("left"));
    assertTrue(t.store.list().isEmpty(), "no key generated");
    assertEquals(List.of(), aws.received());
  }

  @Test
  void anAwsFailureAfterCreateIs502AndSaysTheRoleExistsAndWhatIsLeft() throws Exception {
    start(Map.of());
    aws.failNext("CreateRole", "AccessDenied");

    HttpResponse<String> r = create("alice");

    assertEquals(502, r.statusCode(), r.body());
    Map<String, Object> body = TestServer.json(r);
    assertEquals("provisioning_failed", body.get("error"));
    String description = (String) body.get("error_description");
    assertTrue(description.startsWith("created role 123456789012/alice in the HSM, but provision 123456789012/alice "
        + "stopped: AWS denied iam:CreateRole"), description);
    assertTrue(description.contains("left to do: role DoiT-Support-alice"), description);
    assertEquals(1, t.store.list().size());
    // the same as data: what was done (steps, as in a report) and what is left, the failed step first
    List<Map<String, Object>> done = (List<Map<String, Object>>) body.get("done");
    assertEquals(List.of("created", "created"), done.stream().map(d -> d.get("outcome")).toList(), r.body());
    assertTrue(((String) done.get(0).get("resource_arn")).contains(":oidc-provider/"), r.body());
    List<String> left = (List<String>) body.get("left");
    assertTrue(left.get(0).startsWith("role DoiT-Support-alice"), r.body());
    assertEquals(3, left.size(), "the role and its two attachments: " + r.body());
  }

  @Test
  void provisionFinishesAProvisioningThatStopped() throws Exception {
    start(Map.of());
    aws.failNext("CreateRole", "AccessDenied");
    assertEquals(502, create("alice").statusCode());
    assertNull(account.role("DoiT-Support-alice"));

    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/" + ACCOUNT + "/alice/provision", null));

    assertEquals(200, r.statusCode(), r.body());
    Map<String, Object> report = TestServer.json(r);
    assertEquals(ACCOUNT + "/alice", report.get("role"));
    assertEquals("provision", report.get("operation"));
    assertEquals(true, report.get("changed"));
    List<Map<String, Object>> steps = (List<Map<String, Object>>) report.get("steps");
    assertEquals(List.of("already present", "already present", "created", "created", "created"),
        steps.stream().map(st -> st.get("outcome")).toList(), r.body());
    assertNotNull(account.role("DoiT-Support-alice"));

    // a second call changes nothing and says so
    Map<String, Object> again = TestServer.json(t.send(t.admin("POST", "/admin/roles/" + ACCOUNT + "/alice/provision",
        null)));
    assertEquals(false, again.get("changed"));
  }

  @Test
  void provisionOfARoleThatIsNotActiveIs404AndCallsNothing() throws Exception {
    start(Map.of());
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/" + ACCOUNT + "/alice/provision", null));
    assertEquals(404, r.statusCode(), r.body());
    assertEquals("not_found", TestServer.json(r).get("error"));
    assertEquals(List.of(), aws.received());
  }

  @Test
  void provisionThatAwsStopsIs502WithWhatIsDoneAndLeft() throws Exception {
    start(Map.of());
    assertEquals(201, t.send(t.admin("POST", "/admin/roles",
        "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"alice\"}")).statusCode());
    aws.failNext("CreatePolicy", "AccessDenied");

    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/" + ACCOUNT + "/alice/provision", null));

    assertEquals(502, r.statusCode(), r.body());
    Map<String, Object> body = TestServer.json(r);
    assertEquals("provisioning_failed", body.get("error"));
    assertEquals(1, ((List<?>) body.get("done")).size(), r.body());
    assertEquals(4, ((List<?>) body.get("left")).size(), r.body());
  }

  @Test
  void provisionWithoutAProvisionerIsRefused() throws Exception {
    t = TestServer.start(dir, Map.of());
    t.createRole(ACCOUNT, "alice");
    HttpResponse<String> r = t.send(t.admin("POST", "/admin/roles/" + ACCOUNT + "/alice/provision", null));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("provisioning is not configured", TestServer.json(r).get("error_description"));
  }

  @Test
  void theQuotaIs409() throws Exception {
    start(Map.of());
    account.withForeignProviders(FakeAws.PROVIDER_QUOTA);
    HttpResponse<String> r = create("alice");
    assertEquals(409, r.statusCode(), r.body());
    assertTrue(r.body().contains("already has 100 OIDC providers"), r.body());
  }

  @Test
  void deprovisionFalseOnlyRevokes() throws Exception {
    start(Map.of());
    assertEquals(201, create("alice").statusCode());
    HttpResponse<String> d = t.send(t.admin("DELETE", "/admin/roles/" + ACCOUNT + "/alice?deprovision=false", null));
    assertEquals(200, d.statusCode(), d.body());
    assertNull(TestServer.json(d).get("deprovisioning"));
    assertNotNull(account.role("DoiT-Support-alice"), "left in place");
  }
}
