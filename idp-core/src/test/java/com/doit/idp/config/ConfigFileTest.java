package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the configuration file without --config, and where each effective value comes from. */
class ConfigFileTest {
  @TempDir Path dir;

  @Test
  void theCommandLineThenIdpConfigThenTheDefaultLocationThenNone() throws IOException {
    Path given = Files.writeString(dir.resolve("given.conf"), "");
    Path named = Files.writeString(dir.resolve("named.conf"), "");
    Path def = dir.resolve("etc/idp.conf");
    Map<String, String> env = Map.of(ConfigFile.VARIABLE, named.toString());

    assertEquals(new ConfigFile.Located(Optional.of(given), "--config"),
        ConfigFile.locate(Optional.of(given), env, def));
    assertEquals(new ConfigFile.Located(Optional.of(named), "IDP_CONFIG"), ConfigFile.locate(Optional.empty(), env, def));
    assertEquals(Optional.empty(), ConfigFile.locate(Optional.empty(), Map.of(), def).file());
    Files.createDirectories(def.getParent());
    Files.writeString(def, "");
    assertEquals(new ConfigFile.Located(Optional.of(def), "the default location"),
        ConfigFile.locate(Optional.empty(), Map.of(), def));
    assertEquals(Optional.of(named), ConfigFile.locate(Optional.empty(), env, def).file(), "IDP_CONFIG first");
  }

  @Test
  void anIdpConfigThatNamesNoFileIsAnError() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.locate(Optional.empty(),
        Map.of(ConfigFile.VARIABLE, dir.resolve("absent.conf").toString()), dir.resolve("default.conf")));
    assertTrue(e.getMessage().startsWith("IDP_CONFIG: "), e.getMessage());
  }

  @Test
  void idpConfigIsNotAnUnknownConfigurationVariable() throws IOException {
    Path f = Files.writeString(dir.resolve("idp.conf"), String.join("\n", "hsm.token-label = t",
        "sso.issuer = https://sso.example.com", "sso.audiences = a", "sso.allowed-domains = doit.com", ""));
    IdpConfig c = ConfigLoader.load(Optional.of(f), Map.of(ConfigLoader.PIN_VARIABLE, "1234",
        ConfigFile.VARIABLE, f.toString()), false);
    assertEquals("t", c.hsm().tokenLabel());
  }

  @Test
  void eachValueNamesItsFileAndLineItsVariableOrTheDefault() throws IOException {
    Path f = Files.writeString(dir.resolve("idp.conf"), String.join("\n", "# a comment", "hsm.token-label = t",
        "", "sso.audiences = a, b  # two", "tokens.lifetime = 60s", ""));
    Map<String, ConfigLoader.Origin> o = ConfigLoader.origins(Optional.of(f), Map.of(
        "IDP_TOKENS_LIFETIME", "120s", ConfigLoader.PIN_VARIABLE, "1234", "PATH", "/bin"));

    assertEquals(List.copyOf(ConfigLoader.DEFAULTS.keySet()), List.copyOf(o.keySet()), "every key, in order");
    assertEquals(new ConfigLoader.Origin("t", f + ":2"), o.get("hsm.token-label"));
    assertEquals(new ConfigLoader.Origin("a, b", f + ":4"), o.get("sso.audiences"));
    assertEquals(new ConfigLoader.Origin("120s", "IDP_TOKENS_LIFETIME"), o.get("tokens.lifetime"), "the variable wins");
    assertEquals(new ConfigLoader.Origin("8", "default"), o.get("hsm.sessions"));
    assertEquals(new ConfigLoader.Origin(null, "not set"), o.get("http.trusted-proxies"));
    assertTrue(o.values().stream().noneMatch(x -> "1234".equals(x.value())), "the PIN is not a key");
  }
}
