package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings file and the AWS_OPS_* variables: defaults, overrides, and refusals that name the key. */
class SettingsTest {
  @TempDir Path home;

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    for (int i = 0; i < pairs.length; i += 2) env.put(pairs[i], pairs[i + 1]);
    return env;
  }

  private Path file(String text) throws Exception {
    Path f = home.resolve(".config/aws-ops/config");
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsAreThoseOfTheDocs() {
    Settings s = Settings.load(env());
    assertEquals(List.of("openid", "email"), s.ssoScopes());
    assertEquals("us-east-1", s.stsRegion());
    assertEquals("DoiT-Support-", s.rolePrefix());
    assertEquals("doit-", s.profilePrefix());
    assertEquals(0, s.ssoRedirectPort());
    assertEquals(Optional.empty(), s.stsEndpoint());
    assertEquals(Optional.empty(), s.ssoClientSecret());
  }

  @Test
  void theFileIsReadAndEachVariableOverridesItsKey() throws Exception {
    file("# mine\nidp.token-url = https://token.aws-ops.example.com/\nsso.issuer = https://accounts.google.com\n"
        + "sso.client-id = 123.apps.googleusercontent.com\nsso.scopes = openid email offline_access\n");
    Settings s = Settings.load(env("AWS_OPS_STS_REGION", "eu-west-1", "AWS_OPS_SSO_REDIRECT_PORT", "8250"));
    assertEquals(URI.create("https://token.aws-ops.example.com"), s.tokenUrl(), "a trailing slash is dropped");
    assertEquals("123.apps.googleusercontent.com", s.ssoClientId());
    assertEquals(List.of("openid", "email", "offline_access"), s.ssoScopes());
    assertEquals("eu-west-1", s.stsRegion());
    assertEquals(8250, s.ssoRedirectPort());
  }

  @Test
  void xdgConfigHomeMovesTheFileWhenItIsAbsolute() throws Exception {
    Path other = home.resolve("xdg");
    Files.createDirectories(other.resolve("aws-ops"));
    Files.writeString(other.resolve("aws-ops/config"), "profile-prefix = acme-\n");
    assertEquals("acme-", Settings.load(env("XDG_CONFIG_HOME", other.toString())).profilePrefix());
    assertEquals("doit-", Settings.load(env("XDG_CONFIG_HOME", "relative/ignored")).profilePrefix());
  }

  @Test
  void unknownKeysAndVariablesAreRefusedByName() throws Exception {
    AwsOpsException v = assertThrows(AwsOpsException.class, () -> Settings.load(env("AWS_OPS_TOKEN_URL", "x")));
    assertEquals("AWS_OPS_TOKEN_URL: unknown variable (the settings are listed in docs/ENGINEERS.md)", v.getMessage());
    Path f = file("sso.issuer = https://sso.example.com\nsso.clientid = abc\n");
    AwsOpsException k = assertThrows(AwsOpsException.class, () -> Settings.load(env()));
    assertEquals(f + ":2: sso.clientid: unknown key", k.getMessage());
    // the launcher's own variable is not a setting
    Files.delete(f);
    Settings.load(env("AWS_OPS_JAVA_OPTS", "-Xmx64m"));
  }

  @Test
  void invalidValuesAreRefusedNamingTheKeyButNeverEchoingTheSecret() {
    AwsOpsException url = assertThrows(AwsOpsException.class, () -> Settings.load(env("AWS_OPS_IDP_TOKEN_URL", "http://token.example.com")));
    assertTrue(url.getMessage().startsWith("idp.token-url 'http://token.example.com': must be an https:// URL"), url.getMessage());
    assertThrows(AwsOpsException.class, () -> Settings.load(env("AWS_OPS_SSO_SCOPES", "email profile")));
    assertThrows(AwsOpsException.class, () -> Settings.load(env("AWS_OPS_STS_REGION", "US-EAST-1")));
    assertThrows(AwsOpsException.class, () -> Settings.load(env("AWS_OPS_SSO_REDIRECT_PORT", "70000")));
    AwsOpsException secret = assertThrows(AwsOpsException.class,
        () -> Settings.load(env("AWS_OPS_SSO_CLIENT_SECRET", "GOCSPX-hush", "AWS_OPS_STS_REGION", "nowhere")));
    assertFalse(secret.getMessage().contains("GOCSPX-hush"));
    assertEquals(Optional.of("GOCSPX-hush"), Settings.load(env("AWS_OPS_SSO_CLIENT_SECRET", "GOCSPX-hush")).ssoClientSecret());
  }

  @Test
  void aMissingSettingIsRefusedWhenACommandNeedsItSayingHowToSetIt() {
    Settings s = Settings.load(env());
    AwsOpsException e = assertThrows(AwsOpsException.class, s::tokenUrl);
    assertEquals("idp.token-url is not set: add 'idp.token-url = ...' to " + home.resolve(".config/aws-ops/config")
        + " or set AWS_OPS_IDP_TOKEN_URL (docs/ENGINEERS.md)", e.getMessage());
    assertEquals(URI.create("http://127.0.0.1:8081"), Settings.load(env("AWS_OPS_IDP_TOKEN_URL", "http://127.0.0.1:8081")).tokenUrl());
  }
}
