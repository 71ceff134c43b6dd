package com.doit.idp.cli;

import com.doit.idp.aws.ProvisioningException;
import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.aws.Report;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code role create}: generates the role's first key in the HSM; with {@code --provision}, then sets the role up
 * in the customer's account (its plan is checked before the key is generated).
 */
@Command(name = "create", mixinStandardHelpOptions = true,
    description = "Create a support role: generate its key in the HSM and open its grant window.")
final class RoleCreateCommand extends CliCommand {
  @Option(names = "--account", required = true, paramLabel = "ACCOUNT", description = "The customer's AWS account: 12 digits.")
  String account;

  @Option(names = "--engineer", required = true, paramLabel = "ENGINEER",
      description = "The engineer id: the SSO email's local part, or with sso.engineer-id = email the whole address,"
          + " lower case.")
  String engineer;

  @Option(names = "--ttl", paramLabel = "DURATION",
      description = "The grant window, such as 24h or 7d (default: roles.default-ttl; at most roles.max-ttl).")
  String ttl;

  @Option(names = "--alg", paramLabel = "RS256|ES256", description = "The signing algorithm (default: tokens.algorithm).")
  String alg;

  @Option(names = "--provision",
      description = "Then set the role up in the customer's AWS account, as 'role provision' does.")
  boolean provision;

  @Override
  void execute() {
    RoleId id;
    try {
      id = new RoleId(account, engineer);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage());
    }
    Session s = session();
    // a role for an id no SSO email gives would be one nobody can use
    s.config().sso().engineerIdProblem(id.engineer()).ifPresent(why -> {
      throw new CliFailure("--engineer " + id.engineer() + ": no SSO user has this id: " + why);
    });
    Optional<Duration> window = Optional.ofNullable(ttl).map(CliCommand::ttl);
    Optional<SigningAlgorithm> algorithm;
    try {
      algorithm = Optional.ofNullable(alg).map(SigningAlgorithm::parse);
    } catch (IllegalArgumentException e) {
      throw new CliFailure("--alg '" + alg + "': " + e.getMessage());
    }
    // A plan the management policy refuses is refused before the key is generated.
    if (provision) s.provisioner().plan(id);
    SupportRole role = s.changer().create(id, window, algorithm, s.actor());
    Report report = null;
    if (provision) {
      try {
        report = s.provisioner().provision(id);
      } catch (ProvisioningException e) {
        throw new CliFailure("created role " + id + " in the HSM, but " + e.getMessage());
      }
    }
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>(RoleJson.of(role, s.names(), s.now()));
      if (report != null) m.put("provisioning", ProvisioningJson.report(report));
      printJson(m);
    } else {
      out().println("created role " + id);
      out().println();
      RoleText.print(out(), role, s.names(), s.now());
      if (report != null) {
        out().println();
        ProvisioningText.print(out(), report);
      }
    }
  }
}
