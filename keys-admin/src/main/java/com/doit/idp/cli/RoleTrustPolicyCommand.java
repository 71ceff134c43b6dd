package com.doit.idp.cli;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code role trust-policy A/E}: needs the configuration only, not the HSM, so it works before the role exists. */
@Command(name = "trust-policy", mixinStandardHelpOptions = true,
    description = "Print the IAM trust policy of the customer's role (indented JSON, with or without --json).")
final class RoleTrustPolicyCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    RoleNames names = session().names();
    names.checkFits(id);
    printJson(names.trustPolicy(id));
  }
}
