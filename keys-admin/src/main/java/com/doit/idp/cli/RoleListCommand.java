package com.doit.idp.cli;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SupportRole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code role list}: every role in the HSM, expired ones included until {@code gc} collects them. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the roles in the HSM (expired ones too, until 'gc' deletes them).")
final class RoleListCommand extends CliCommand {
  @Option(names = "--account", paramLabel = "ACCOUNT", description = "Only this customer account.")
  String account;

  @Option(names = "--engineer", paramLabel = "ENGINEER", description = "Only this engineer.")
  String engineer;

  @Override
  void execute() {
    if (account != null && !RoleId.isAccount(account)) throw new CliFailure("--account: account must be 12 digits");
    if (engineer != null && !RoleId.isEngineer(engineer)) {
      throw new CliFailure("--engineer: " + RoleId.ENGINEER_RULE);
    }
    Session s = session();
    Instant now = s.now();
    List<SupportRole> roles = s.reader().roles().stream()
        .filter(r -> account == null || r.id().account().equals(account))
        .filter(r -> engineer == null || r.id().engineer().equals(engineer))
        .toList();
    if (json()) {
      printJson(Map.of("roles", roles.stream().map(r -> RoleJson.of(r, s.names(), now)).toList()));
      return;
    }
    if (roles.isEmpty()) {
      out().println("no roles");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ROLE", "ALG", "KEYS", "EXPIRES_AT", "LEFT"});
    for (SupportRole r : roles) {
      rows.add(new String[] {
          r.id().toString(),
          r.keys().stream().map(k -> k.algorithm().name()).distinct().collect(Collectors.joining(",")),
          r.keys().stream().map((RoleKey k) -> r.stateOf(k, now).wire()).collect(Collectors.joining(",")),
          r.expiresAt().toString(),
          timeLeft(now, r.expiresAt())});
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) line.append(" ".repeat(width[i] - row[i].length() + 2));
      }
      out().println(line);
    }
  }
}
