package com.doit.idp.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.role.RoleId;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvisioningJsonTest {
  private static final RoleId ALICE = new RoleId("123456789012", "alice");

  @Test
  void aReportIsWrittenWithSnakeCaseKeysAndOutcomeWords() {
    Report r = new Report(ALICE, Plan.Operation.PROVISION, List.of(
        new Report.Step("role DoiT-Support-alice", "arn:aws:iam::123456789012:role/DoiT-Support-alice", Report.Outcome.CREATED)));
    assertEquals("{\"role\":\"123456789012/alice\",\"operation\":\"provision\",\"changed\":true,"
        + "\"summary\":\"provision 123456789012/alice: 1 change made\",\"steps\":[{\"what\":\"role DoiT-Support-alice\","
        + "\"resource_arn\":\"arn:aws:iam::123456789012:role/DoiT-Support-alice\",\"outcome\":\"created\"}]}",
        JSONObjectUtils.toJSONString(ProvisioningJson.report(r)));
  }

  @Test
  void aFailureCarriesItsKindWhatWasDoneAndWhatIsLeft() {
    ProvisioningException e = new ProvisioningException(ProvisioningException.Kind.ACCESS_DENIED, "stopped", List.of(
        new Report.Step("policy", "arn:p", Report.Outcome.CREATED)), List.of("role"), null);
    Map<String, Object> m = ProvisioningJson.failure(e);
    assertEquals("access_denied", m.get("error"));
    assertEquals("stopped", m.get("error_description"));
    assertEquals(List.of(Map.of("what", "policy", "resource_arn", "arn:p", "outcome", "created")), m.get("done"));
    assertEquals(List.of("role"), m.get("left"));
  }

  @Test
  void aPlanListsItsCalls() {
    Plan p = new Plan(ALICE, Plan.Operation.DEPROVISION, "arn:aws:iam::123456789012:role/M",
        List.of(new IamCall("iam:DeleteRole", "arn:r", "delete the role")));
    assertEquals("{\"role\":\"123456789012/alice\",\"operation\":\"deprovision\",\"assume_role_arn\":"
        + "\"arn:aws:iam::123456789012:role/M\",\"calls\":[{\"action\":\"iam:DeleteRole\",\"resource_arn\":\"arn:r\","
        + "\"description\":\"delete the role\"}]}", JSONObjectUtils.toJSONString(ProvisioningJson.plan(p)));
  }

  @Test
  void anAttachmentCallCarriesItsConditionKey() {
    Plan p = new Plan(ALICE, Plan.Operation.PROVISION, "arn:aws:iam::123456789012:role/M", List.of(new IamCall(
        "iam:AttachRolePolicy", "arn:r", Map.of("iam:PolicyARN", "arn:aws:iam::aws:policy/SecurityAudit"), "attach")));
    @SuppressWarnings("unchecked")
    Map<String, Object> call = ((List<Map<String, Object>>) ProvisioningJson.plan(p).get("calls")).get(0);
    assertEquals("{\"action\":\"iam:AttachRolePolicy\",\"resource_arn\":\"arn:r\",\"condition_keys\":"
        + "{\"iam:PolicyARN\":\"arn:aws:iam::aws:policy/SecurityAudit\"},\"description\":\"attach\"}",
        JSONObjectUtils.toJSONString(call));
    assertEquals("  iam:AttachRolePolicy  arn:r  {iam:PolicyARN=arn:aws:iam::aws:policy/SecurityAudit}  # attach",
        p.lines().get(1));
  }
}
