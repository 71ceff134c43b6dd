package com.doit.idp.cli;

import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.aws.Report;
import com.doit.idp.role.RoleId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code role deprovision A/E}: removes exactly what {@code role provision} created, in reverse order; idempotent.
 * Needs no HSM: the role may have been revoked already.
 */
@Command(name = "deprovision", mixinStandardHelpOptions = true,
    description = {"Remove what 'role provision' created in the customer's AWS account, in reverse order, and",
        "nothing else. Idempotent. The role's keys stay in the HSM ('role revoke --deprovision' does both)."})
final class RoleDeprovisionCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Report report = session().provisioner().deprovision(id);
    if (json()) printJson(ProvisioningJson.report(report));
    else ProvisioningText.print(out(), report);
  }
}
