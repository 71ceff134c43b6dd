package com.doit.idp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keys-admin account ...}: a customer account as a whole (docs/ONBOARDING.md). */
@Command(name = "account", mixinStandardHelpOptions = true,
    description = "A customer account as a whole: check our access, offboard it, give the customer the stack's link.",
    subcommands = {AccountCheckCommand.class, AccountOffboardCommand.class, AccountLinkCommand.class})
final class AccountCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing command: check, offboard or link");
  }
}
