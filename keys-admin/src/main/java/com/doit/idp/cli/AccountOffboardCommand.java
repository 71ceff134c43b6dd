package com.doit.idp.cli;

import com.doit.idp.aws.AccountOffboarding;
import com.doit.idp.role.RoleId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code account offboard A}: what the stack's Delete does (docs/ONBOARDING.md): every support role of the account
 * deprovisioned through the management role, its keys revoked, one {@code account.offboarded} audit line.
 * Idempotent. Exit 1 when something was left in the account, after printing what and why.
 */
@Command(name = "offboard", mixinStandardHelpOptions = true,
    description = {"Remove every support role of the account: its IAM objects through the management role, then",
        "its keys from the HSM (what the stack's Delete does). Idempotent. Exit 1 when something is left."})
final class AccountOffboardCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT", description = "The customer account, 12 digits.")
  String account;

  @Override
  void execute() {
    account(account);
    Session s = session();
    AccountOffboarding offboarding = new AccountOffboarding(s.changer(), s.provisioner(), s.audit(), s.clock());
    AccountOffboarding.Result r = offboarding.offboard(account, s.actor());
    if (json()) {
      printJson(r.toJson());
    } else {
      out().println("offboarded account " + account + ": " + r.summary());
    }
    if (!r.left().isEmpty()) {
      throw new CliFailure("left in account " + account + ": " + String.join(", ",
          r.left().keySet().stream().map(RoleId::toString).toList()) + " (see above); run again once fixed");
    }
  }
}
