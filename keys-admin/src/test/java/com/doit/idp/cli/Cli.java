package com.doit.idp.cli;

import com.doit.idp.role.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs keys-admin in-process against a given store, a configuration written to a temporary folder, and a test clock. */
final class Cli {
  static final String PIN = "pin-7f3a9c21e5";
  static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

  /** One run: the exit code and everything written. */
  record Run(int code, String out, String err) {
    Map<String, Object> json() {
      try {
        return JSONObjectUtils.parse(out);
      } catch (ParseException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }

    /** Exit 1 with exactly one line on stderr, ours, and no stack trace. */
    Run failsWithOneLine(String containing) {
      assertEquals(1, code, () -> "exit code; stdout: " + out + " stderr: " + err);
      List<String> lines = err.lines().toList();
      assertEquals(1, lines.size(), () -> "one line on stderr, got: " + err);
      assertTrue(lines.get(0).startsWith("keys-admin: "), lines.get(0));
      assertTrue(lines.get(0).contains(containing), () -> "'" + containing + "' in: " + lines.get(0));
      assertFalse(err.contains("\tat ") || err.matches("(?s).*\\w+(Exception|Error): .*"), "no stack trace: " + err);
      return this;
    }

    Run succeeds() {
      assertEquals(0, code, () -> "exit code; stdout: " + out + " stderr: " + err);
      assertEquals("", err);
      return this;
    }
  }

  final Path dir;
  final Path configFile;
  final Path audit;
  final MutableClock clock = new MutableClock(START);
  final RoleKeyStore store;
  final IdpConfig config;
  final List<Run> runs = new ArrayList<>();

  Cli(Path dir, RoleKeyStore store, String... extraConfigLines) {
    this(dir, store, PIN, extraConfigLines);
  }

  /** A fixture whose configuration is loaded with {@code pin} as {@code IDP_HSM_PIN}. */
  static Cli withPin(Path dir, RoleKeyStore store, String pin, String... extraConfigLines) {
    return new Cli(dir, store, pin, extraConfigLines);
  }

  private Cli(Path dir, RoleKeyStore store, String pin, String[] extraConfigLines) {
    this.dir = dir;
    this.store = store;
    this.audit = dir.resolve("var/audit.log");
    this.configFile = dir.resolve("idp.conf");
    // Defaults for a valid configuration; each extra "key = value" line replaces the default of its key.
    Map<String, String> conf = new java.util.LinkedHashMap<>();
    conf.put("hsm.token-label", "keys-admin-test");
    conf.put("sso.issuer", "https://sso.example.com");
    conf.put("sso.audiences", "aws-ops-idp");
    conf.put("sso.allowed-domains", "doit.com");
    conf.put("audit.file", audit.toString());
    for (String l : extraConfigLines) {
      int eq = l.indexOf('=');
      conf.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
    }
    StringBuilder text = new StringBuilder();
    conf.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
    write(configFile, text.toString());
    this.config = ConfigLoader.load(Optional.of(configFile), Map.of(ConfigLoader.PIN_VARIABLE, pin), false);
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static IdpConfig load(Optional<Path> file, boolean dev) {
    return ConfigLoader.load(file, Map.of(ConfigLoader.PIN_VARIABLE, PIN), dev);
  }

  /** Runs with the configuration of this fixture, whatever --config or --dev say. */
  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = KeysAdmin.inProcess(store, config, clock, new PrintWriter(out), new PrintWriter(err)).run(args);
    Run r = new Run(code, out.toString(), err.toString());
    runs.add(r);
    return r;
  }

  /**
   * Runs with an environment that really loads the configuration that --config or --dev name (PIN from the
   * variable), with {@code home} as the project root.
   */
  Run runLoading(Path home, String... args) {
    return runIn(new TestEnvironment(home, Cli::load), args);
  }

  /**
   * Runs with an environment of {@code variables} only (no {@code --config} unless the arguments give one): the
   * configuration file is found as in production ({@code IDP_CONFIG}, then {@code defaultFile}), then loaded with
   * those variables.
   */
  Run runDiscovering(Map<String, String> variables, Path defaultFile, String... args) {
    return runIn(new TestEnvironment(dir, (file, dev) -> ConfigLoader.load(file, variables, dev)) {
      @Override
      public Map<String, String> variables() {
        return variables;
      }

      @Override
      public Path defaultConfigFile() {
        return defaultFile;
      }
    }, args);
  }

  /**
   * Runs with the configuration of this fixture and a provisioner that talks to {@code aws} (the fake STS and IAM of
   * aws-provisioning's test-jar) with test credentials.
   */
  Run runWithAws(com.doit.idp.aws.FakeAws aws, String... args) {
    return runIn(new TestEnvironment(dir, (file, dev) -> config) {
      @Override
      public com.doit.idp.aws.Provisioner provisioner(IdpConfig c) {
        return com.doit.idp.aws.ProvisioningFixture.provisioner(aws, com.doit.idp.role.RoleNames.of(c),
            c.aws().oidcThumbprints());
      }
    }, args);
  }

  private Run runIn(Environment env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new KeysAdmin(env, new PrintWriter(out), new PrintWriter(err)).run(args);
    Run r = new Run(code, out.toString(), err.toString());
    runs.add(r);
    return r;
  }

  /** This fixture's store (borrowed: commands do not close it), clock and user, with a given root and loader. */
  private class TestEnvironment implements Environment {
    private final Path home;
    private final java.util.function.BiFunction<Optional<Path>, Boolean, IdpConfig> loader;

    TestEnvironment(Path home, java.util.function.BiFunction<Optional<Path>, Boolean, IdpConfig> loader) {
      this.home = home;
      this.loader = loader;
    }

    @Override
    public IdpConfig loadConfig(Optional<Path> file, boolean dev) {
      return loader.apply(file, dev);
    }

    @Override
    public Path home() {
      return home;
    }

    @Override
    public RoleKeyStore openStore(IdpConfig c) {
      return new BorrowedStore(store);
    }

    @Override
    public java.time.Clock clock() {
      return clock;
    }

    @Override
    public String user() {
      return "tester";
    }
  }

  /** The audit log's lines, parsed. */
  List<Map<String, Object>> auditLines() {
    if (!Files.exists(audit)) return List.of();
    try {
      List<Map<String, Object>> lines = new ArrayList<>();
      for (String l : Files.readAllLines(audit)) lines.add(JSONObjectUtils.parse(l));
      return lines;
    } catch (IOException | ParseException e) {
      throw new AssertionError(e);
    }
  }
}
