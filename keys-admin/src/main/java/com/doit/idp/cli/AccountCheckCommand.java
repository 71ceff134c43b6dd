package com.doit.idp.cli;

import com.doit.idp.aws.AccountCheck;
import com.doit.idp.aws.AccountJson;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code account check A}: assumes the account's management role now and lists its OIDC providers (the hook's
 * Create does the same), then shows our support roles there, in the HSM and in the account. Changes nothing.
 * Exit 1 when the role cannot be assumed, after printing why.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Assume the account's management role now, count its OIDC providers and list our support roles",
        "there (in the HSM, in the account). Changes nothing. Exit 1 when the role cannot be assumed."})
final class AccountCheckCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT", description = "The customer account, 12 digits.")
  String account;

  @Override
  @SuppressWarnings("unchecked")
  void execute() {
    account(account);
    Session s = session();
    AccountCheck check = s.provisioner().check(account);
    Map<String, Object> json = AccountJson.of(check, s.reader().roles());
    if (json()) {
      printJson(json);
    } else {
      out().println("account " + account + ": " + check.managementRoleArn()
          + (check.assumable() ? " can be assumed" : " cannot be assumed"));
      check.oidcProvidersUsed().ifPresent(n -> out().println("  OIDC providers used: " + n + " of 100"));
      List<Map<String, Object>> roles = (List<Map<String, Object>>) json.get("support_roles");
      if (roles.isEmpty()) out().println("  no support role of ours");
      for (Map<String, Object> r : roles) {
        Object until = r.get("expires_at");
        Object provider = r.get("provider_in_account");
        out().println("  " + r.get("role") + ": " + (until == null ? "not in the HSM" : "in the HSM until " + until)
            + (provider == null ? "" : Boolean.TRUE.equals(provider) ? ", provider in the account"
            : ", no provider in the account"));
      }
    }
    if (!check.assumable()) throw new CliFailure(check.reason().orElseThrow());
  }
}
