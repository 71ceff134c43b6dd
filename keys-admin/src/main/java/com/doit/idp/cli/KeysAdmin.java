package com.doit.idp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code keys-admin}, the operator command line (SPEC.md "keys-admin, the operator command line"): create, list,
 * show, extend, rotate and revoke support roles in the HSM, print their JWKS and trust policy, collect garbage.
 *
 * <p>Exit codes: {@code 0} success; {@code 1} the command was understood but failed or was refused (one line
 * {@code keys-admin: <message>} on stderr; the stack trace only with {@code --verbose}); {@code 2} the command line
 * was not understood (picocli's message and usage on stderr).
 *
 * <p>An instance runs one command at a time ({@link #run} is not thread-safe); it may run several in sequence, each
 * with fresh options, configuration and store. {@link #run} throws nothing: every failure becomes an exit code.
 */
public final class KeysAdmin {
  private final Environment env;
  private final PrintWriter out;
  private final PrintWriter err;

  public KeysAdmin(Environment env, PrintWriter out, PrintWriter err) {
    this.env = Objects.requireNonNull(env, "env");
    this.out = Objects.requireNonNull(out, "out");
    this.err = Objects.requireNonNull(err, "err");
  }

  /**
   * A command line over a given store, configuration and clock, for tests and embedding. {@code --config} and
   * {@code --dev} are still parsed (and {@code --dev} and {@code --config} still exclude each other) but the given
   * configuration is used whatever they say. The store is not closed by the command line: it belongs to the caller.
   */
  public static KeysAdmin inProcess(RoleKeyStore store, IdpConfig config, Clock clock, PrintWriter out, PrintWriter err) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    Environment env = new Environment() {
      @Override
      public IdpConfig loadConfig(Optional<Path> file, boolean dev) {
        return config;
      }

      @Override
      public Path home() {
        return Path.of("").toAbsolutePath();
      }

      @Override
      public RoleKeyStore openStore(IdpConfig c) {
        return new BorrowedStore(store);
      }

      @Override
      public Clock clock() {
        return clock;
      }

      @Override
      public String user() {
        return System.getProperty("user.name", "unknown");
      }
    };
    return new KeysAdmin(env, out, err);
  }

  /** Runs one command; returns its exit code (0, 1 or 2). */
  public int run(String... args) {
    TopCommand top = new TopCommand(env, out, err);
    CommandLine cl = new CommandLine(top);
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(KeysAdmin::usageError);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // A usage mistake found while running (--dev with --config, a group without its command) is still a usage error.
      if (e instanceof CommandLine.ParameterException pe) {
        return commandLine.getParameterExceptionHandler().handleParseException(pe, args);
      }
      return Failures.report(e, top.verbose(), err);
    });
    int code;
    try {
      code = cl.execute(args);
    } finally {
      out.flush();
    }
    try {
      top.close();
    } catch (RuntimeException e) {
      int closing = Failures.report(e, top.verbose(), err);
      if (code == 0) code = closing;
    }
    err.flush();
    return code;
  }

  /**
   * Library log lines (logback, shared with the server) go to stderr as {@code LEVEL logger - message}, errors only
   * unless {@code --verbose}: a failure stays one line of ours ({@link Failures}), not a page of library chatter.
   */
  static void quietLogs(boolean verbose) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
    context.reset();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%level %logger - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(stderr);
    root.setLevel(verbose ? Level.INFO : Level.ERROR);
  }

  /** Exit 2: the message, picocli's suggestions if it has any, and the usage of the command at fault. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(cl.getColorScheme().errorText(e.getMessage()));
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.print(cl.getUsageMessage(cl.getColorScheme()));
    err.flush();
    return CommandLine.ExitCode.USAGE;
  }

  public static void main(String[] args) {
    quietLogs(Arrays.asList(args).contains("--verbose"));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    System.exit(new KeysAdmin(Environment.production(), out, err).run(args));
  }
}
