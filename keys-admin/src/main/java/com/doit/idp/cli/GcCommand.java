package com.doit.idp.cli;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gc}: deletes expired roles and retired keys from the HSM. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    description = "Delete expired roles and retired keys from the HSM.")
final class GcCommand extends CliCommand {
  @Option(names = "--dry-run", description = "Only say what would be deleted.")
  boolean dryRun;

  @Override
  void execute() {
    Session s = session();
    // A dry run changes nothing, so it does not even open the audit log.
    RoleService service = dryRun ? s.reader() : s.changer();
    RoleService.GcReport report = service.gc(dryRun, s.actor());
    List<RoleId> expired = report.expiredRoles();
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("dry_run", report.dryRun());
      m.put("expired_roles", expired.stream().map(RoleId::toString).toList());
      m.put("deleted_keys", report.deletedKeys().stream().map(k -> {
        Map<String, Object> km = new LinkedHashMap<>();
        km.put("role", k.role().toString());
        km.put("kid", k.kid());
        return km;
      }).toList());
      printJson(m);
      return;
    }
    String verb = dryRun ? "would delete" : "deleted";
    for (RoleId id : expired) out().println(verb + " expired role " + id);
    for (RoleKey k : report.deletedKeys()) {
      out().println(verb + " key " + k.kid() + " of " + k.role() + (expired.contains(k.role()) ? " (role expired)" : " (retired)"));
    }
    int n = report.deletedKeys().size();
    if (n == 0) {
      out().println((dryRun ? "dry run: " : "") + "nothing to delete");
      return;
    }
    String what = expired.size() + " expired " + (expired.size() == 1 ? "role" : "roles") + " and " + n
        + (n == 1 ? " key" : " keys");
    out().println(dryRun ? "dry run: would delete " + what : "deleted " + what);
  }
}
