package com.doit.idp.cli;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.SupportRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code role extend A/E --ttl 24h}. */
@Command(name = "extend", mixinStandardHelpOptions = true,
    description = "Move the end of an active role's grant window to now + TTL.")
final class RoleExtendCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Option(names = "--ttl", required = true, paramLabel = "DURATION",
      description = "The new grant window from now, such as 24h (at most roles.max-ttl).")
  String ttl;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    SupportRole r = s.changer().extend(id, ttl(ttl), s.actor());
    if (json()) {
      printJson(RoleJson.of(r, s.names(), s.now()));
    } else {
      out().println("extended role " + id + ": expires at " + r.expiresAt() + " (" + RoleText.left(s.now(), r.expiresAt()) + ")");
    }
  }
}
