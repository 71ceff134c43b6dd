package com.doit.idp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keys-admin config ...}: the configuration keys-admin and the server read. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "The configuration that keys-admin (and a server started the same way) reads.",
    subcommands = {ConfigShowCommand.class})
final class ConfigCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing command: show");
  }
}
