package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Main}'s refusals: exit code 2 and one clear line, never a stack trace or a secret. */
class MainTest {
  @TempDir Path dir;

  private record Run(int code, String err) {}

  private Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = Main.run(args, env, new PrintStream(buf, true, StandardCharsets.UTF_8), dir.resolve("etc/idp.conf"));
    return new Run(code, buf.toString(StandardCharsets.UTF_8));
  }

  @Test
  void withoutConfigTheFileIsIdpConfigThenTheDefaultLocation() throws Exception {
    Path named = dir.resolve("named.conf");
    Files.writeString(named, "hsm.token-label = t\nnamed.key = 1\n");
    Run r = run(Map.of("IDP_HSM_PIN", "1234", "IDP_CONFIG", named.toString()));
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains(named + ":2: named.key: unknown key"), r.err);

    Path def = dir.resolve("etc/idp.conf");
    Files.createDirectories(def.getParent());
    Files.writeString(def, "default.key = 1\n");
    Run d = run(Map.of("IDP_HSM_PIN", "1234"));
    assertEquals(2, d.code, d.err);
    assertTrue(d.err.contains(def + ":1: default.key: unknown key"), d.err);

    Run missing = run(Map.of("IDP_HSM_PIN", "1234", "IDP_CONFIG", dir.resolve("absent.conf").toString()));
    assertEquals(2, missing.code, missing.err);
    assertTrue(missing.err.startsWith("idp-server: configuration: IDP_CONFIG: "), missing.err);
  }

  @Test
  void anUnknownKeyInTheConfigurationExitsWith2AndOneLineNamingIt() throws Exception {
    Path conf = dir.resolve("idp.conf");
    Files.writeString(conf, "hsm.token-label = t\nlisten.publik = 127.0.0.1:0\n");
    Run r = run(Map.of("IDP_HSM_PIN", "secret-pin-1234"), "--config", conf.toString());
    assertEquals(2, r.code);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("listen.publik"), r.err);
    assertFalse(r.err.contains("secret-pin-1234"));
  }

  @Test
  void aMissingSsoIssuerOutsideDevExitsWith2() {
    Run r = run(Map.of("IDP_HSM_PIN", "1234", "IDP_HSM_TOKEN_LABEL", "t"));
    assertEquals(2, r.code);
    assertTrue(r.err.startsWith("idp-server: configuration: sso.issuer"), r.err);
  }

  @Test
  void anHttpIssuerBaseOutsideDevExitsWith2() {
    Run r = run(Map.of("IDP_HSM_PIN", "1234", "IDP_HSM_TOKEN_LABEL", "t", "IDP_SSO_ISSUER", "https://sso.example.com",
        "IDP_SSO_AUDIENCES", "a", "IDP_SSO_ALLOWED_DOMAINS", "doit.com",
        "IDP_ISSUER_BASE_URL", "http://oidc.example.com"));
    assertEquals(2, r.code);
    assertTrue(r.err.contains("issuer.base-url"), r.err);
  }

  @Test
  void anUnknownArgumentExitsWith2WithTheUsage() {
    Run r = run(Map.of(), "--confg", "x");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("unknown argument --confg"), r.err);
    assertTrue(r.err.contains(Main.USAGE));
  }

  @Test
  void aMissingConfigFileExitsWith2() {
    Run r = run(Map.of("IDP_HSM_PIN", "1234"), "--config", dir.resolve("absent.conf").toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains("absent.conf"), r.err);
  }

  @Test
  void theCommandLineTakesConfigAndDevInAnyOrder() {
    assertEquals(new Main.Options(java.util.Optional.of(Path.of("a.conf")), true),
        Main.parse(new String[] {"--dev", "--config", "a.conf"}));
    assertEquals(new Main.Options(java.util.Optional.of(Path.of("a.conf")), false),
        Main.parse(new String[] {"--config=a.conf"}));
  }
}
