package com.doit.idp.cli;

import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.aws.Report;
import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code role provision A/E}: the OIDC provider, support policy and role in the customer's account, through the
 * management role (docs/PROVISIONING.md). Idempotent. The role must be active in the HSM: IAM may fetch the
 * issuer's documents when the provider is created, and a provider for a role that does not sign is of no use.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
    description = {"Set up the role in the customer's AWS account: OIDC provider, policy DoiT-Support-<engineer>,",
        "role <prefix><engineer> with SecurityAudit and that policy. Idempotent: a rerun finishes what is left."})
final class RoleProvisionCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    s.provisioner().plan(id); // refused here, before the HSM is even opened, when the plan needs too much
    boolean active = s.reader().find(id).map(r -> r.isActive(s.now())).orElse(false);
    if (!active) {
      throw new RoleException(RoleException.Kind.NOT_FOUND, "no active role " + id + " in the HSM: create it first "
          + "('role create --provision' does both)");
    }
    print(s.provisioner().provision(id));
  }

  private void print(Report report) {
    if (json()) printJson(ProvisioningJson.report(report));
    else ProvisioningText.print(out(), report);
  }
}
