package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --config, --dev, --json and --verbose work before and after the command, and usage errors exit 2. */
class GlobalOptionsTest {
  private static final String ROLE = "123456789012/alice";

  @TempDir
  Path dir;

  private Cli cli(String... extra) {
    return new Cli(dir, new InMemoryRoleKeyStore(), extra);
  }

  @SuppressWarnings("unchecked")
  private static String federated(Map<String, Object> policy) {
    Map<String, Object> st = (Map<String, Object>) ((List<Object>) policy.get("Statement")).get(0);
    return (String) ((Map<String, Object>) st.get("Principal")).get("Federated");
  }

  @Test
  void configAndJsonAreAppliedWhetherWrittenBeforeOrAfterTheCommand() {
    Cli cli = cli("issuer.base-url = https://issuer.example.net");
    String conf = cli.configFile.toString();
    String expected = "arn:aws:iam::123456789012:oidc-provider/issuer.example.net/123456789012/alice";
    for (String[] args : List.of(
        new String[] {"--config", conf, "--json", "role", "trust-policy", ROLE},
        new String[] {"role", "trust-policy", ROLE, "--config", conf, "--json"},
        new String[] {"role", "--config", conf, "trust-policy", "--json", ROLE},
        new String[] {"--json", "role", "trust-policy", ROLE, "--config=" + conf})) {
      Cli.Run r = cli.runLoading(dir, args).succeeds();
      assertEquals(expected, federated(r.json()), String.join(" ", args));
    }
  }

  @Test
  void jsonBeforeOrAfterTheCommandSwitchesRoleCreateToJson() {
    Cli cli = cli();
    Cli.Run before = cli.run("--json", "role", "create", "--account", "123456789012", "--engineer", "alice").succeeds();
    assertEquals(ROLE, before.json().get("role"));
    Cli.Run after = cli.run("role", "create", "--account", "123456789012", "--engineer", "bob", "--json").succeeds();
    assertEquals("123456789012/bob", after.json().get("role"));
    Cli.Run none = cli.run("role", "show", "123456789012/bob").succeeds();
    assertTrue(none.out().startsWith("role "), none.out());
  }

  @Test
  void devReadsVarDevIdpConfUnderTheProjectRootBeforeOrAfterTheCommand() {
    Cli cli = cli();
    Path home = dir.resolve("home");
    Cli.write(home.resolve("var/dev/idp.conf"), String.join("\n",
        "issuer.base-url = http://127.0.0.1:8080",
        "listen.public = 127.0.0.1:8080", "listen.token = 127.0.0.1:8081", "listen.management = 127.0.0.1:9090",
        "hsm.token-label = dev", "sso.allowed-domains = doit.com", "audit.file = " + dir.resolve("dev-audit.log"), ""));
    String expected = "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:8080/123456789012/alice";
    assertEquals(expected, federated(cli.runLoading(home, "--dev", "role", "trust-policy", ROLE).succeeds().json()));
    assertEquals(expected, federated(cli.runLoading(home, "role", "trust-policy", ROLE, "--dev").succeeds().json()));
    // Without --dev the same http:// issuer is refused outside development, naming the key.
    cli.runLoading(home, "role", "trust-policy", ROLE, "--config", home.resolve("var/dev/idp.conf").toString())
        .failsWithOneLine("issuer.base-url");
  }

  @Test
  void devWithoutADevelopmentConfigurationFailsInOneLineNamingTheFile() {
    cli().runLoading(dir.resolve("nowhere"), "role", "list", "--dev").failsWithOneLine("var/dev/idp.conf does not exist");
  }

  @Test
  void devTogetherWithConfigIsAUsageError() {
    Cli cli = cli();
    Cli.Run r = cli.runLoading(dir, "--dev", "role", "list", "--config", cli.configFile.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--dev and --config exclude each other"), r.err());
    assertTrue(r.err().contains("Usage:"), r.err());
  }

  @Test
  void helpPrintsUsageWithTheExitCodesAndExitsZero() {
    Cli.Run r = cli().run("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("Usage: keys-admin"), r.out());
    assertTrue(r.out().contains("Exit codes:"), r.out());
    assertTrue(cli().run("role", "create", "--help").out().contains("--engineer"));
  }

  @Test
  void anUnknownCommandAMissingCommandOrAMissingOptionIsAUsageErrorWithExitTwo() {
    Cli cli = cli();
    for (String[] args : List.of(
        new String[] {},
        new String[] {"role"},
        new String[] {"frobnicate"},
        new String[] {"role", "frobnicate"},
        new String[] {"role", "create", "--account", "123456789012"},
        new String[] {"role", "show"},
        new String[] {"role", "extend", ROLE},
        new String[] {"role", "list", "--colour"},
        new String[] {"gc", "extra"})) {
      Cli.Run r = cli.run(args);
      assertEquals(2, r.code(), () -> String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().contains("Usage:"), r.err());
      assertEquals("", r.out());
      assertFalse(r.err().contains("\tat "), r.err());
    }
  }

  @Test
  void verboseAddsTheStackTraceToTheOneLineBeforeOrAfterTheCommand() {
    InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
    Cli cli = new Cli(dir, store);
    store.fail(true);
    cli.run("role", "list").failsWithOneLine("hsm unavailable (simulated)");
    for (String[] args : List.of(new String[] {"--verbose", "role", "list"}, new String[] {"role", "list", "--verbose"})) {
      Cli.Run r = cli.run(args);
      assertEquals(1, r.code());
      assertTrue(r.err().startsWith("keys-admin: hsm unavailable (simulated)"), r.err());
      assertTrue(r.err().contains("HsmException") && r.err().contains("\tat "), r.err());
    }
  }
}
