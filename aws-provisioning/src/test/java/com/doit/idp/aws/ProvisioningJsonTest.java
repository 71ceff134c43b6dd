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
}
