package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.InMemoryRoleKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keys-admin without {@code --config} finds its configuration as the server does ({@code IDP_CONFIG}, then the
 * default location), and {@code config show} prints the effective configuration with each value's source and the
 * secrets masked.
 */
class ConfigCommandsTest {
  static final String ADMIN_TOKEN = "admin-token-5e1f0c9d7b3a2468";

  @TempDir Path dir;
  private Cli cli;
  private Path defaultFile;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(dir.resolve("admin.token"), ADMIN_TOKEN + "\n");
    // the server and keys-admin refuse an admin token file that group or others can read
    Files.setPosixFilePermissions(dir.resolve("admin.token"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    cli = new Cli(dir, new InMemoryRoleKeyStore(), "admin.token-file = " + dir.resolve("admin.token"));
    defaultFile = dir.resolve("etc/aws-ops-idp/idp.conf");
  }

  @Test
  void withoutConfigTheCommandsReadTheFileIdpConfigNames() {
    Map<String, String> env = Map.of("IDP_CONFIG", cli.configFile.toString(), ConfigLoader.PIN_VARIABLE, Cli.PIN);
    cli.runDiscovering(env, defaultFile, "role", "create", "--account", "123456789012", "--engineer", "alice")
        .succeeds();
    // the audit log of that file's audit.file got the act: the file was read
    assertEquals("role.created", cli.auditLines().get(0).get("event"));
    assertTrue(cli.runDiscovering(env, defaultFile, "role", "list").succeeds().out().contains("123456789012/alice"));
  }

  @Test
  void withoutConfigNorIdpConfigTheDefaultLocationIsRead() throws Exception {
    Files.createDirectories(defaultFile.getParent());
    Files.copy(cli.configFile, defaultFile);
    Cli.Run r = cli.runDiscovering(Map.of(ConfigLoader.PIN_VARIABLE, Cli.PIN), defaultFile, "config", "show")
        .succeeds();
    assertTrue(r.out().startsWith("# configuration file: " + defaultFile + " (found by the default location)"),
        r.out());
  }

  @Test
  void anIdpConfigThatNamesNoFileFailsWithOneLine() {
    cli.runDiscovering(Map.of("IDP_CONFIG", dir.resolve("absent.conf").toString(), ConfigLoader.PIN_VARIABLE, Cli.PIN),
        defaultFile, "role", "list").failsWithOneLine("IDP_CONFIG: " + dir.resolve("absent.conf") + " is not a file");
  }

  @Test
  void configShowNamesTheSourceOfEveryValueAndMasksTheSecrets() throws Exception {
    Map<String, String> env = Map.of("IDP_CONFIG", cli.configFile.toString(), ConfigLoader.PIN_VARIABLE, Cli.PIN,
        "IDP_TOKENS_LIFETIME", "60s");
    Cli.Run r = cli.runDiscovering(env, defaultFile, "config", "show").succeeds();
    List<String> lines = r.out().lines().toList();
    String file = cli.configFile.toString();

    assertEquals("# configuration file: " + file + " (found by IDP_CONFIG)", lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.matches("hsm\\.token-label = keys-admin-test +# " + file + ":1")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("tokens\\.lifetime = 60s +# IDP_TOKENS_LIFETIME")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("hsm\\.sessions = 8 +# default")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("http\\.trusted-proxies = +# not set")), r.out());
    assertEquals(ConfigLoader.DEFAULTS.size(), lines.stream().filter(l -> !l.startsWith("#")).count(), "every key");
    assertTrue(r.out().contains("#   HSM PIN: ******** (IDP_HSM_PIN)"), r.out());
    assertTrue(r.out().contains("#   admin API token: ******** (the file admin.token-file names: "
        + dir.resolve("admin.token") + ")"), r.out());
    assertTrue(r.out().contains("#   external id secret: not set"), r.out());
    assertFalse(r.out().contains(Cli.PIN) || r.out().contains(ADMIN_TOKEN), "a secret was printed: " + r.out());

    // what it prints is a configuration file, and the same configuration
    Path shown = Files.writeString(dir.resolve("shown.conf"), r.out());
    IdpConfig again = ConfigLoader.load(Optional.of(shown), Map.of(ConfigLoader.PIN_VARIABLE, Cli.PIN), false);
    assertEquals(java.time.Duration.ofSeconds(60), again.tokens().lifetime());
    assertEquals(cli.config.hsm().tokenLabel(), again.hsm().tokenLabel());
  }

  @Test
  @SuppressWarnings("unchecked")
  void configShowJsonHasTheKeysTheirSourcesAndTheMaskedSecrets() {
    Map<String, String> env = Map.of(ConfigLoader.PIN_VARIABLE, Cli.PIN);
    Cli.Run r = cli.runDiscovering(env, defaultFile, "--config", cli.configFile.toString(), "--json", "config", "show")
        .succeeds();
    Map<String, Object> json = r.json();
    assertEquals(cli.configFile.toString(), json.get("file"));
    assertEquals("--config", json.get("found_by"));
    List<Map<String, Object>> keys = (List<Map<String, Object>>) json.get("keys");
    assertEquals(List.copyOf(ConfigLoader.DEFAULTS.keySet()), keys.stream().map(k -> k.get("key")).toList());
    Map<String, Object> proxies = keys.stream().filter(k -> k.get("key").equals("http.trusted-proxies")).findFirst()
        .orElseThrow();
    assertNull(proxies.get("value"));
    assertEquals("not set", proxies.get("source"));
    List<Map<String, Object>> secrets = (List<Map<String, Object>>) json.get("secrets");
    assertEquals(Map.of("name", "HSM PIN", "value", "********", "source", "IDP_HSM_PIN"), secrets.get(0));
    assertFalse(r.out().contains(Cli.PIN) || r.out().contains(ADMIN_TOKEN));
  }

  @Test
  void anInvalidConfigurationFailsWithOneLineNamingTheKey() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.conf"), "hsm.token-label = t\nhsm.sessions = 0\n");
    cli.runDiscovering(Map.of("IDP_CONFIG", bad.toString(), ConfigLoader.PIN_VARIABLE, Cli.PIN), defaultFile,
        "config", "show").failsWithOneLine("hsm.sessions");
  }
}
