package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration rules the security review asked for (docs/THREAT-MODEL.md, "Found by the security review"):
 * loopback decided by parsing the host, never by its spelling; several SSO domains only with email engineer ids.
 */
class ConfigLoaderSecurityTest {
  @TempDir Path dir;

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("IDP_HSM_PIN", "1234");
    return env;
  }

  private Path conf() throws IOException {
    List<String> lines = new ArrayList<>(List.of("hsm.token-label = idp", "sso.issuer = https://accounts.example.com",
        "sso.audiences = client-1", "sso.allowed-domains = doit-intl.com"));
    Path f = dir.resolve("idp.conf");
    Files.write(f, lines);
    return f;
  }

  private IdpConfig load(String... extra) throws IOException {
    return ConfigLoader.load(Optional.of(conf()), env(extra), false);
  }

  private ConfigException refused(String... extra) throws IOException {
    Path f = conf();
    Map<String, String> env = env(extra);
    return assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(f), env, false));
  }

  /** The environment with {@code key = value} settings as their variables (they win over the file). */
  private Map<String, String> env(String... settings) {
    Map<String, String> env = env();
    for (String s : settings) {
      int eq = s.indexOf('=');
      env.put(ConfigLoader.variableOf(s.substring(0, eq).strip()), s.substring(eq + 1).strip());
    }
    return env;
  }

  // --- plain http only on loopback, decided by parsing the host (issue 9 point 9)

  @Test
  void aHostThatOnlyStartsLikeALoopbackAddressIsNotLoopback() throws IOException {
    for (String url : List.of("http://127.evil.example", "http://127.0.0.1.evil.example:8080/sso",
        "http://localhost.evil.example", "http://127.evil.example/sso", "http://[::2]:80", "http://10.0.0.1",
        "http://0.0.0.0:80")) {
      for (String key : List.of("sso.issuer", "aws.iam-endpoint", "aws.sts-endpoint")) {
        ConfigException e = refused(key + " = " + url);
        assertTrue(e.getMessage().startsWith(key + ":"), key + " = " + url + " -> " + e.getMessage());
      }
    }
  }

  @Test
  void plainHttpOnARealLoopbackAddressIsAccepted() throws IOException {
    for (String url : List.of("http://127.0.0.1:8082", "http://127.1.2.3:8082/sso", "http://localhost:8082",
        "http://[::1]:8082")) {
      IdpConfig c = load("sso.issuer = " + url, "aws.iam-endpoint = " + url, "aws.sts-endpoint = " + url);
      assertEquals(Optional.of(URI.create(url)), c.sso().issuer());
      assertEquals(Optional.of(URI.create(url)), c.aws().iamEndpoint());
    }
  }

  @Test
  void aListenerIsLoopbackOnlyOnALoopbackAddress() {
    assertTrue(HostPort.parse("127.0.0.1:1").isLoopback());
    assertTrue(HostPort.parse("127.8.9.10:1").isLoopback());
    assertTrue(HostPort.parse("[::1]:1").isLoopback());
    assertTrue(HostPort.parse("localhost:1").isLoopback());
    for (String a : List.of("127.evil.example:1", "localhost.evil.example:1", "0.0.0.0:1", "[::]:1", "10.1.1.1:1")) {
      assertFalse(HostPort.parse(a).isLoopback(), a);
    }
  }

  // --- one engineer id per person (issue 9 point 1)

  @Test
  void severalAllowedDomainsAreRefusedUnlessEngineerIdsAreWholeEmailAddresses() throws IOException {
    ConfigException e = refused("sso.allowed-domains = doit.com, doit-intl.com");
    assertTrue(e.getMessage().startsWith("sso.engineer-id:"), e.getMessage());
    assertTrue(e.getMessage().contains("sso.allowed-domains") && e.getMessage().contains("email"), e.getMessage());
    assertEquals(IdpConfig.EngineerIdForm.EMAIL,
        load("sso.allowed-domains = doit.com, doit-intl.com", "sso.engineer-id = email").sso().engineerId());
    assertEquals(List.of("doit-intl.com"), load("sso.engineer-id = email").sso().allowedDomains());
  }

  // --- the admin API's secrets and transport (issue 9 point 11)

  private Path adminToken(String perms) throws IOException {
    Path token = dir.resolve("admin.token");
    Files.deleteIfExists(token);
    Files.writeString(token, "a-secret-admin-token-0123456789\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString(perms));
    return token;
  }

  @Test
  void anAdminTokenFileReadableByGroupOrOthersStopsTheStartNamingTheKeyAndTheFixNeverTheToken() throws IOException {
    for (String perms : List.of("rw-r--r--", "rw-r-----", "rw----r--", "rw-rw----", "rw------x", "rw-----w-", "r--r--r--")) {
      Path token = adminToken(perms);
      ConfigException e = refused("admin.token-file = " + token);
      assertTrue(e.getMessage().startsWith("admin.token-file:"), perms + " -> " + e.getMessage());
      assertTrue(e.getMessage().contains("chmod 600 " + token), e.getMessage());
      assertFalse(e.getMessage().contains("a-secret-admin-token"), "never the token");
    }
    for (String perms : List.of("rw-------", "r--------")) {
      assertTrue(load("admin.token-file = " + adminToken(perms)).admin().token().isPresent(), perms);
    }
  }

  @Test
  void aManagementListenerOffLoopbackWithoutTlsNeedsAdminAllowPlainHttp() throws IOException {
    for (String address : List.of("0.0.0.0:9090", "10.1.2.3:9090", "[::]:9090", "127.evil.example:9090")) {
      ConfigException e = refused("listen.management = " + address);
      assertTrue(e.getMessage().startsWith("listen.management:"), address + " -> " + e.getMessage());
      assertTrue(e.getMessage().contains("admin.allow-plain-http"), e.getMessage());
      assertEquals(address.replace("[", "").replace("]", ""),
          load("listen.management = " + address, "admin.allow-plain-http = true").listen().management().address()
              .toString().replace("[", "").replace("]", ""));
    }
    for (String address : List.of("127.0.0.1:9090", "127.0.0.2:0", "localhost:9090", "[::1]:9090")) {
      assertFalse(load("listen.management = " + address).listen().management().tls(), address);
    }
    Path cert = dir.resolve("m.crt");
    Path key = dir.resolve("m.key");
    Files.writeString(cert, "pem");
    Files.writeString(key, "pem");
    assertTrue(load("listen.management = 0.0.0.0:9090", "listen.management.tls-cert = " + cert,
        "listen.management.tls-key = " + key).listen().management().tls());
  }
}
