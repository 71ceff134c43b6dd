package com.doit.idp.cli;

import com.doit.idp.config.Values;
import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SupportRole;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code role revoke A/E}: deletes the role's keys from the HSM. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
    description = {"Revoke a role: delete its keys from the HSM. Every replica stops minting and publishing",
        "for it within roles.cache-ttl."})
final class RoleRevokeCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Option(names = "--deprovision",
      description = "Also remove the role's IAM objects in the customer's account (needs AWS provisioning).")
  boolean deprovision;

  @Override
  void execute() {
    RoleId id = roleId(role);
    if (deprovision) {
      // Refused before anything changes, so that the operator never gets half of what was asked.
      throw new CliFailure("--deprovision: AWS provisioning is not configured in this build; nothing was revoked");
    }
    Session s = session();
    SupportRole r = s.changer().find(id)
        .orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no role " + id));
    s.changer().revoke(id, s.actor());
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", id.toString());
      m.put("revoked", true);
      m.put("deleted_keys", r.keys().stream().map(RoleKey::kid).toList());
      printJson(m);
    } else {
      out().println("revoked role " + id + ": deleted " + r.keys().size() + (r.keys().size() == 1 ? " key" : " keys")
          + " from the HSM; replicas stop serving it within roles.cache-ttl ("
          + Values.format(s.config().roles().cacheTtl()) + ")");
    }
  }
}
