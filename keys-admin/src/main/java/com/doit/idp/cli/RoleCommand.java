package com.doit.idp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code keys-admin role ...}: one class per subcommand. A new one is a class extending {@link CliCommand} and a
 * line in this list.
 */
@Command(
    name = "role",
    mixinStandardHelpOptions = true,
    description = "Support roles: one (customer account, engineer) pair, its keys in the HSM, its grant window.",
    subcommands = {
        RoleCreateCommand.class, RoleListCommand.class, RoleShowCommand.class, RoleExtendCommand.class,
        RoleRotateCommand.class, RoleRevokeCommand.class, RoleJwksCommand.class, RoleTrustPolicyCommand.class,
        RoleProvisionCommand.class, RoleDeprovisionCommand.class, RolePlanCommand.class})
final class RoleCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "Missing command: create, list, show, extend, rotate, revoke, jwks, trust-policy, provision, deprovision or plan");
  }
}
