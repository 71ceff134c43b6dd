package com.doit.idp.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.server.conformance.StsVerifier;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator installs it: unpacked into a fresh folder, with no sources and no Maven on
 * {@code PATH}, its {@code bin/} launchers run against a fresh SoftHSM2 token, a configuration found through
 * {@code IDP_CONFIG}, and the SSO issuer of the tests: {@code keys-admin} creates a role, {@code idp-server} starts and
 * logs JSON lines, mints a token for that role, and the token passes STS's checks (jose4j, against the public
 * listener). Run by failsafe after {@code package}, so {@code mvn verify} (bin/test) runs it from a clean clone.
 */
class DistributionIT {
  static final String ACCOUNT = "123456789012";
  static final String LABEL = "dist-it";
  static final String PIN = "dist-it-pin-4711";
  static final Duration START = Duration.ofSeconds(120);

  @TempDir static Path dir;
  static Path root;
  static Path path;
  static Path config;
  static Map<String, String> env;
  static SsoTestIssuer sso;
  static Process server;
  static final List<String> serverLog = Collections.synchronizedList(new ArrayList<>());
  static final Map<String, URI> listeners = new ConcurrentHashMap<>();
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void unpackAndConfigure() throws Exception {
    Path archive = Path.of(System.getProperty("idp.dist.archive"));
    assertTrue(Files.isRegularFile(archive), archive + " (mvn package builds it)");
    Path install = Files.createDirectories(dir.resolve("opt"));
    run(List.of("tar", "-xzf", archive.toString(), "-C", install.toString()), Map.of(), dir, 0);
    try (Stream<Path> top = Files.list(install)) {
      root = top.findFirst().orElseThrow();
    }
    assertTrue(root.getFileName().toString().startsWith("aws-ops-idp-"), root.toString());

    // PATH: a shell, the JDK and the tools the launchers use; no Maven.
    path = Files.createDirectories(dir.resolve("path"));
    for (String tool : List.of("bash", "java", "readlink", "dirname", "env", "cat")) {
      Path real = Path.of("/usr/bin", tool).toRealPath();
      Files.createSymbolicLink(path.resolve(tool), real);
    }

    // A fresh SoftHSM2 token of its own.
    Path tokens = Files.createDirectories(dir.resolve("softhsm/tokens"));
    Path softhsmConf = dir.resolve("softhsm/softhsm2.conf");
    Files.writeString(softhsmConf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
        + "log.level = ERROR\nslots.removable = false\n");
    run(List.of("softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", PIN + "-so"),
        Map.of("SOFTHSM2_CONF", softhsmConf.toString()), dir, 0);

    sso = new SsoTestIssuer();
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Path pinFile = secret(etc.resolve("hsm.pin"), PIN);
    Path adminToken = secret(etc.resolve("admin.token"), "dist-it-admin-token-0123456789");
    config = etc.resolve("idp.conf");
    Files.writeString(config, String.join("\n",
        "listen.public = 127.0.0.1:0",
        "listen.token = 127.0.0.1:0",
        "listen.management = 127.0.0.1:0",
        "hsm.library = /usr/lib/softhsm/libsofthsm2.so",
        "hsm.token-label = " + LABEL,
        "hsm.pin-file = " + pinFile,
        "sso.issuer = " + sso.issuer(),
        "sso.audiences = " + SsoTestIssuer.AUDIENCE,
        "sso.allowed-domains = " + SsoTestIssuer.DOMAIN,
        "audit.file = " + dir.resolve("var/audit.log"),
        "admin.token-file = " + adminToken,
        "log.format = json",
        ""));
    env = new HashMap<>();
    env.put("PATH", path.toString());
    env.put("HOME", dir.toString());
    env.put("SOFTHSM2_CONF", softhsmConf.toString());
    env.put("IDP_CONFIG", config.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null && server.isAlive()) {
        server.toHandle().destroy(); // SIGTERM, as systemd stops it
        if (!server.waitFor(30, TimeUnit.SECONDS)) server.destroyForcibly();
      }
    } finally {
      if (sso != null) sso.close();
    }
  }

  static Path secret(Path file, String value) throws IOException {
    Files.writeString(file, value + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** Runs a command to its end; its output (stdout and stderr). */
  static String run(List<String> command, Map<String, String> environment, Path cwd, int expectedExit) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    if (environment.containsKey("PATH")) pb.environment().clear();
    pb.environment().putAll(environment);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), command + " did not end");
    assertEquals(expectedExit, p.exitValue(), command + ": " + out);
    return out;
  }

  @Test
  void theArchiveHoldsTheLaunchersLibrariesConfigurationDocsAndTheUnitAndNoSources() throws Exception {
    for (String f : List.of("bin/idp-server", "bin/keys-admin", "bin/check-token", "bin/aws-ops", "bin/lib/common.sh",
        "config/minimal.conf", "config/full.conf", "docs/RUNBOOK.md", "docs/CONFIGURATION.md", "docs/openapi.yaml",
        "systemd/aws-ops-idp.service", "README.md")) {
      assertTrue(Files.isRegularFile(root.resolve(f)), f);
    }
    for (String launcher : List.of("bin/idp-server", "bin/keys-admin", "bin/check-token", "bin/aws-ops")) {
      assertTrue(Files.isExecutable(root.resolve(launcher)), launcher);
    }
    assertFalse(Files.exists(root.resolve("bin/test")) || Files.exists(root.resolve("bin/bench")), "developers' only");
    try (Stream<Path> lib = Files.list(root.resolve("lib"))) {
      List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
      for (String prefix : List.of("idp-server-", "keys-admin-", "idp-core-", "hsm-config-", "aws-provisioning-",
          "logback-classic-", "logstash-logback-encoder-", "undertow-core-", "micrometer-registry-prometheus-")) {
        assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix) && j.endsWith(".jar")), prefix + " in " + jars);
      }
      for (String other : List.of("junit", "jose4j", "mock-oauth2-server", "slf4j-simple", "slf4j-nop",
          "json-schema-validator", "aws-ops-")) {
        assertTrue(jars.stream().noneMatch(j -> j.startsWith(other)), other + " in lib/: " + jars);
      }
    }
    try (Stream<Path> lib = Files.list(root.resolve("lib/aws-ops"))) {
      List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
      for (String prefix : List.of("aws-ops-", "idp-core-", "sts-", "picocli-", "slf4j-nop-")) {
        assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix) && j.endsWith(".jar")), prefix + " in " + jars);
      }
      assertTrue(jars.stream().noneMatch(j -> j.startsWith("logback") || j.startsWith("idp-server")), jars.toString());
    }
    try (Stream<Path> all = Files.walk(root)) {
      List<String> sources = all.map(p -> root.relativize(p).toString())
          .filter(p -> p.endsWith("pom.xml") || p.endsWith(".java") || p.contains("target")).toList();
      assertEquals(List.of(), sources, "sources or build output in the archive");
    }
    String unit = Files.readString(root.resolve("systemd/aws-ops-idp.service"));
    for (String line : List.of("User=aws-ops-idp", "LimitMEMLOCK=infinity", "EnvironmentFile=/etc/aws-ops-idp/",
        "Restart=on-failure", "ExecStart=/opt/aws-ops-idp/bin/idp-server")) {
      assertTrue(unit.lines().anyMatch(l -> l.startsWith(line)), line + " in the unit");
    }
    assertEquals("", run(List.of("bash", "-c", "command -v mvn || true"), env, root, 0).strip(), "Maven on PATH");
  }

  @Test
  void fromTheArchiveKeysAdminCreatesARoleTheServerMintsItsTokenAndStsAcceptsIt() throws Exception {
    String shown = run(List.of(root.resolve("bin/keys-admin").toString(), "config", "show"), env, dir, 0);
    assertTrue(shown.startsWith("# configuration file: " + config + " (found by IDP_CONFIG)"), shown);
    assertFalse(shown.contains(PIN), "config show printed the PIN");
    run(List.of(root.resolve("bin/keys-admin").toString(), "role", "create", "--account", ACCOUNT, "--engineer",
        "alice"), env, dir, 0);

    startServer();
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(sso.idToken("alice@" + SsoTestIssuer.DOMAIN))
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:id_token")
        + "&resource=" + enc("arn:aws:iam::" + ACCOUNT + ":role/DoiT-Support-alice");
    HttpResponse<String> minted = http.send(HttpRequest.newBuilder(listeners.get("token").resolve("/token"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, minted.statusCode(), minted.body());
    String token = (String) JSONObjectUtils.parse(minted.body()).get("access_token");

    JwtClaims claims = new StsVerifier(listeners.get("public").toString(), "sts.amazonaws.com", Clock.systemUTC())
        .assumeRoleWithWebIdentity(token);
    assertEquals("alice", claims.getSubject());
    assertEquals("https://oidc.aws-ops.doit-intl.com/" + ACCOUNT + "/alice", claims.getIssuer());

    // check-token and aws-ops start from the archive too (check-token cannot reach the https issuer from here, and
    // aws-ops needs a browser sign-in: their usage is enough)
    assertTrue(run(List.of(root.resolve("bin/check-token").toString(), "--help"), env, dir, 0).startsWith("usage:"));
    String awsOps = run(List.of(root.resolve("bin/aws-ops").toString(), "--help"), env, dir, 0);
    assertTrue(awsOps.contains("aws-ops") && !awsOps.contains("SLF4J"), awsOps);

    // every line the server wrote is one JSON object (log.format = json), none carries a secret
    synchronized (serverLog) {
      assertFalse(serverLog.isEmpty());
      for (String line : serverLog) {
        Map<String, Object> event = JSONObjectUtils.parse(line);
        Instant.parse((String) event.get("timestamp"));
        assertTrue(event.containsKey("level") && event.containsKey("logger") && event.containsKey("message"), line);
        assertFalse(line.contains(PIN) || line.contains(token), "a secret in the log: " + line);
      }
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** bin/idp-server without arguments (IDP_CONFIG names the file); waits for its listeners and /readyz. */
  static void startServer() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/idp-server").toString()).directory(dir.toFile())
        .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    server = pb.start();
    server.getOutputStream().close();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          serverLog.add(line);
          try {
            String message = (String) JSONObjectUtils.parse(line).get("message");
            if (message != null && message.startsWith("listening name=")) {
              String[] words = message.split(" ");
              listeners.put(words[1].substring("name=".length()), URI.create("http://" + words[2].substring(
                  "address=".length())));
            }
          } catch (java.text.ParseException e) {
            // not JSON: the test fails on it once the server is up
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "dist-server-log");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + START.toNanos();
    while (listeners.size() < 3) {
      assertTrue(server.isAlive(), () -> "the server stopped: " + String.join("\n", serverLog));
      assertTrue(System.nanoTime() < deadline, () -> "no listeners within " + START + ": " + String.join("\n", serverLog));
      Thread.sleep(100);
    }
    int status = 0;
    while (status != 200) {
      assertTrue(System.nanoTime() < deadline, () -> "not ready within " + START + ": " + String.join("\n", serverLog));
      Thread.sleep(250);
      status = http.send(HttpRequest.newBuilder(listeners.get("management").resolve("/readyz")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    }
    assertNotEquals(null, listeners.get("public"));
  }
}
