package com.doit.idp.cli;

import com.doit.idp.aws.ProvisioningException;
import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.aws.Report;
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

/**
 * {@code role revoke A/E}: deletes the role's keys from the HSM; with {@code --deprovision}, then removes what
 * provisioning created in the customer's account. The keys go first: that stops every token at once, and the IAM
 * objects are harmless without them; the deprovision plan is checked before anything changes.
 */
@Command(name = "revoke", mixinStandardHelpOptions = true,
    description = {"Revoke a role: delete its keys from the HSM. Every replica stops minting and publishing",
        "for it within roles.cache-ttl."})
final class RoleRevokeCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Option(names = "--deprovision",
      description = "Then remove the role's IAM objects in the customer's account, as 'role deprovision' does.")
  boolean deprovision;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    // Refused before anything changes, so that the operator never gets half of what was asked.
    if (deprovision) s.provisioner().deprovisionPlan(id);
    SupportRole r = s.changer().find(id)
        .orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no role " + id));
    s.changer().revoke(id, s.actor());
    Report report = null;
    if (deprovision) {
      try {
        report = s.provisioner().deprovision(id);
      } catch (ProvisioningException e) {
        throw new CliFailure("revoked role " + id + " (its keys are deleted from the HSM), but " + e.getMessage());
      }
    }
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", id.toString());
      m.put("revoked", true);
      m.put("deleted_keys", r.keys().stream().map(RoleKey::kid).toList());
      if (report != null) m.put("deprovisioning", ProvisioningJson.report(report));
      printJson(m);
    } else {
      out().println("revoked role " + id + ": deleted " + r.keys().size() + (r.keys().size() == 1 ? " key" : " keys")
          + " from the HSM; replicas stop serving it within roles.cache-ttl ("
          + Values.format(s.config().roles().cacheTtl()) + ")");
      if (report != null) ProvisioningText.print(out(), report);
    }
  }
}
