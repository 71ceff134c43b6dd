package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.role.RoleId;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /admin/accounts/<account>} over HTTP against the fake STS and IAM (docs/ONBOARDING.md). */
@SuppressWarnings("unchecked")
class AdminAccountsTest {
  private static final String ACCOUNT = "123456789012";

  @TempDir Path dir;
  private FakeAws aws;
  private IamProvisioner provisioner;
  private TestServer t;

  @BeforeEach
  void start() throws Exception {
    aws = new FakeAws();
    aws.account(ACCOUNT, true).withForeignProviders(1);
    provisioner = ProvisioningFixture.provisioner(aws);
    t = TestServer.startProvisioning(dir, Map.of(), provisioner);
  }

  @AfterEach
  void stop() {
    t.close();
    provisioner.close();
    aws.close();
  }

  @Test
  void anAccountIsCheckedLiveWithItsSupportRolesInTheHsmAndInTheAccount() {
    t.createRole(ACCOUNT, "alice");
    provisioner.provision(new RoleId(ACCOUNT, "alice"));
    provisioner.provision(new RoleId(ACCOUNT, "old")); // collected from the HSM long ago, still in the account

    HttpResponse<String> r = t.send(t.admin("GET", "/admin/accounts/" + ACCOUNT, null));

    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
    Map<String, Object> body = TestServer.json(r);
    assertEquals(ACCOUNT, body.get("account"));
    assertEquals("arn:aws:iam::123456789012:role/DoiT_Management_Role_DO-NOT-DELETE", body.get("management_role_arn"));
    assertEquals(true, body.get("assumable"));
    assertEquals(3L, ((Number) body.get("oidc_providers_used")).longValue());
    List<Map<String, Object>> roles = (List<Map<String, Object>>) body.get("support_roles");
    assertEquals(2, roles.size());
    assertEquals(Map.of("role", ACCOUNT + "/alice", "engineer", "alice", "in_hsm", true, "provider_in_account", true,
        "expires_at", roles.get(0).get("expires_at")), roles.get(0));
    assertEquals(ACCOUNT + "/old", roles.get(1).get("role"));
    assertEquals(false, roles.get(1).get("in_hsm"));
    assertNull(roles.get(1).get("expires_at"));
  }

  @Test
  void anAccountThatRefusesUsIsAnAnswerNotAnError() {
    aws.account("210987654321", false);
    HttpResponse<String> r = t.send(t.admin("GET", "/admin/accounts/210987654321", null));
    assertEquals(200, r.statusCode(), r.body());
    Map<String, Object> body = TestServer.json(r);
    assertEquals(false, body.get("assumable"));
    assertTrue(((String) body.get("reason")).contains("cannot be assumed"), r.body());
    assertNull(body.get("oidc_providers_used"));
  }

  @Test
  void aMalformedAccountIsNotFoundAndTheTokenIsRequired() {
    assertEquals(404, t.send(t.admin("GET", "/admin/accounts/1234", null)).statusCode());
    assertEquals(404, t.send(t.admin("GET", "/admin/accounts/123456789012/x", null)).statusCode());
    assertEquals(401, t.send(HttpRequest.newBuilder(t.url("management", "/admin/accounts/" + ACCOUNT)).GET().build())
        .statusCode());
    assertEquals(405, t.send(t.admin("DELETE", "/admin/accounts/" + ACCOUNT, null)).statusCode());
    assertEquals(List.of(), aws.received(), "nothing reached AWS");
  }

  @Test
  void withoutAProvisionerTheAccountApiSaysSo() throws Exception {
    Path other = dir.resolve("plain");
    java.nio.file.Files.createDirectories(other);
    try (TestServer plain = TestServer.start(other, Map.of())) {
      HttpResponse<String> r = plain.send(plain.admin("GET", "/admin/accounts/" + ACCOUNT, null));
      assertEquals(400, r.statusCode());
      assertEquals("provisioning is not configured", TestServer.json(r).get("error_description"));
    }
  }
}
