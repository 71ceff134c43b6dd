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
