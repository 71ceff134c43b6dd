package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample configurations in {@code config/} load, and the reference in {@code docs/CONFIGURATION.md} and the full
 * sample name every key of {@link ConfigLoader#DEFAULTS}: a key added to the loader without its documentation fails
 * the build.
 */
class ConfigSamplesTest {
  private static final Path ROOT = projectRoot();

  @TempDir Path tmp;

  private static Path projectRoot() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("config/minimal.conf"))) p = p.getParent();
    if (p == null) throw new IllegalStateException("config/minimal.conf not found above " + System.getProperty("user.dir"));
    return p;
  }

  private static String read(String relative) throws IOException {
    return Files.readString(ROOT.resolve(relative), StandardCharsets.UTF_8);
  }

  @Test
  void theMinimalSampleLoadsWithAPinFromTheEnvironment() {
    IdpConfig c = ConfigLoader.load(Optional.of(ROOT.resolve("config/minimal.conf")),
        Map.of(ConfigLoader.PIN_VARIABLE, "1234"), false);
    assertEquals("aws-ops-idp", c.hsm().tokenLabel());
    assertEquals("https://oidc.aws-ops.doit-intl.com", c.issuer().baseUrl());
    assertEquals(List.of("doit-intl.com"), c.sso().allowedDomains());
    assertEquals(Duration.ofSeconds(30), c.roles().cacheTtl());
    assertTrue(c.admin().token().isEmpty(), "the admin API is off without admin.token-file");
    assertFalse(c.dev());
  }

  @Test
  void theFullSampleLoadsAndGivesEveryDefaultExplicitly() throws IOException {
    Path adminToken = tmp.resolve("admin.token");
    Files.writeString(adminToken, "0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(adminToken, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    IdpConfig c = ConfigLoader.load(Optional.of(ROOT.resolve("config/full.conf")),
        Map.of(ConfigLoader.PIN_VARIABLE, "1234", ConfigLoader.variableOf("admin.token-file"), adminToken.toString()),
        false);
    assertEquals(8, c.hsm().sessions());
    assertEquals(Duration.ofSeconds(300), c.tokens().lifetime());
    assertEquals(64 * 1024, c.http().maxBody());
    assertTrue(c.admin().token().isPresent());
    assertEquals(Path.of("/var/log/aws-ops-idp/audit.log"), c.audit().file());
  }

  @Test
  void theFullSampleShowsEveryKeySetOrCommentedOut() throws IOException {
    String full = read("config/full.conf");
    List<String> missing = new ArrayList<>();
    for (String key : ConfigLoader.DEFAULTS.keySet()) {
      Pattern line = Pattern.compile("(?m)^(# )?" + Pattern.quote(key) + " = ");
      if (!line.matcher(full).find()) missing.add(key);
    }
    if (!missing.isEmpty()) fail("config/full.conf does not show " + missing);
  }

  @Test
  void theFullSampleGivesEachDefaultAsTheLoaderHasIt() throws IOException {
    Map<String, String> file = ConfigLoader.readFile(ROOT.resolve("config/full.conf"));
    List<String> differ = new ArrayList<>();
    for (String key : List.of("issuer.base-url", "issuer.role-prefix", "issuer.audience", "listen.public",
        "listen.token", "listen.management", "hsm.library", "hsm.sessions", "sso.require-email-verified",
        "sso.max-age", "tokens.lifetime", "tokens.algorithm", "roles.default-ttl", "roles.max-ttl", "roles.cache-ttl",
        "roles.max-active", "http.jwks-max-age", "http.max-body", "http.rate-limit", "aws.management-role-name",
        "aws.region")) {
      if (!ConfigLoader.DEFAULTS.get(key).equals(file.get(key))) differ.add(key + " = " + file.get(key));
    }
    if (!differ.isEmpty()) fail("config/full.conf gives values that are not the defaults: " + differ);
  }

  @Test
  void theConfigurationReferenceDocumentsEveryKeyAndItsDefault() throws IOException {
    String doc = read("docs/CONFIGURATION.md");
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> e : ConfigLoader.DEFAULTS.entrySet()) {
      // each key has a row of the reference table: | `key` | `default` | ...
      Pattern row = Pattern.compile("(?m)^\\| `" + Pattern.quote(e.getKey()) + "` \\| "
          + (e.getValue() == null ? "none[^|]*" : "`" + Pattern.quote(e.getValue()) + "`") + " \\|");
      if (!row.matcher(doc).find()) missing.add(e.getKey() + (e.getValue() == null ? "" : " (default " + e.getValue() + ")"));
    }
    if (!missing.isEmpty()) fail("docs/CONFIGURATION.md has no table row with the default for " + missing);
  }

  @Test
  void theConfigurationReferenceNamesEachKeysEnvironmentVariable() throws IOException {
    String doc = read("docs/CONFIGURATION.md");
    List<String> missing = new ArrayList<>();
    for (String key : ConfigLoader.DEFAULTS.keySet()) {
      if (!doc.contains("`" + ConfigLoader.variableOf(key) + "`")) missing.add(ConfigLoader.variableOf(key));
    }
    if (!missing.isEmpty()) fail("docs/CONFIGURATION.md does not name " + missing);
  }
}
