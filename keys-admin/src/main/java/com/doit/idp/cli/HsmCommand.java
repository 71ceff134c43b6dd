package com.doit.idp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keys-admin hsm ...}: the HSM itself. */
@Command(name = "hsm", mixinStandardHelpOptions = true, description = "The HSM itself.",
    subcommands = {HsmCheckCommand.class})
final class HsmCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing command: check");
  }
}
