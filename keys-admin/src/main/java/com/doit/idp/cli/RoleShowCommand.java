package com.doit.idp.cli;

import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.SupportRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code role show A/E}. */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = "Show a role: issuer, ARNs, keys and their states, expiry, what to give the customer.")
final class RoleShowCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    SupportRole r = s.reader().find(id)
        .orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no role " + id));
    if (json()) {
      printJson(RoleJson.of(r, s.names(), s.now()));
    } else {
      RoleText.print(out(), r, s.names(), s.now());
    }
  }
}
