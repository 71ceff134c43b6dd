package com.doit.idp.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code keys-admin} command: the global options and the session the subcommands share. The global options are
 * inherited by every subcommand, so they may be written before or after the command (SPEC.md); picocli binds each
 * inherited copy to the same field here.
 */
@Command(
    name = "keys-admin",
    mixinStandardHelpOptions = true,
    version = "keys-admin 0.1.0",
    description = "Operator command line of aws-ops-idp: support roles and their keys in the HSM.",
    subcommands = {RoleCommand.class, AccountCommand.class, GcCommand.class, HsmCommand.class, ConfigCommand.class},
    footerHeading = "%nExit codes:%n",
    footer = {
        "  0  success",
        "  1  the command failed or was refused: a bad value (account, engineer,",
        "     role, ttl, algorithm), ttl over roles.max-ttl, role exists, role not",
        "     found, roles.max-active reached, configuration or HSM failure.",
        "     One line 'keys-admin: <message>' on stderr; --verbose adds the",
        "     stack trace.",
        "  2  usage error: unknown command or option, missing command, option or",
        "     argument, --dev together with --config."})
final class TopCommand implements Callable<Integer>, AutoCloseable {
  private final Environment env;
  private final PrintWriter out;
  private final PrintWriter err;
  private Session session;

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = {"The configuration file (default: the file IDP_CONFIG names, else /etc/aws-ops-idp/idp.conf",
          "if it exists, else none: IDP_* variables only)."})
  Path config;

  @Option(names = "--dev", scope = ScopeType.INHERIT,
      description = "Use the development configuration that 'bin/idp-server --dev' wrote: var/dev/idp.conf.")
  boolean dev;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Write JSON instead of text for people.")
  boolean json;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "On failure, also print the stack trace.")
  boolean verbose;

  TopCommand(Environment env, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing command: role, account, gc, hsm or config");
  }

  boolean verbose() {
    return verbose;
  }

  boolean json() {
    return json;
  }

  PrintWriter out() {
    return out;
  }

  PrintWriter err() {
    return err;
  }

  /** The session of this run, opened on first use after the options are parsed. */
  Session session() {
    if (session == null) {
      if (dev && config != null) {
        throw new ParameterException(spec.commandLine(), "--dev and --config exclude each other");
      }
      session = new Session(env, config, dev);
    }
    return session;
  }

  @Override
  public void close() {
    if (session != null) session.close();
  }
}
