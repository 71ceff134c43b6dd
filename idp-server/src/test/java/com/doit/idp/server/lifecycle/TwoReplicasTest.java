package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.doit.idp.server.Main;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server replicas sharing one SoftHSM2 token, the second in its own JVM (SPEC.md: the HSM is the only
 * database; "every replica stops minting and publishing for a revoked or expired role within the role-cache
 * TTL"). A role created, rotated and revoked through one replica's admin API, or through keys-admin, is seen by the
 * other within {@code roles.cache-ttl}: each wait is bounded by a few cache TTLs, the contract, not a speed test.
 */
class TwoReplicasTest {
  static final Duration CACHE_TTL = Duration.ofSeconds(2);
  /** A few cache TTLs: the replica must have re-read the HSM by then, on however busy a machine. */
  static final Duration WITHIN = CACHE_TTL.multipliedBy(5);
  static final String REPLICA_ADMIN_TOKEN = "replica-admin-token-fedcba9876543210";
  static final Pattern LISTENING = Pattern.compile("listening name=(\\w+) address=(\\S+)");

  @TempDir static Path dir;
  private static SsoTestIssuer sso;
  private static LifecycleServer first;
  private static Process second;
  private static final List<String> secondOutput = Collections.synchronizedList(new ArrayList<>());
  private static final Map<String, URI> secondUrls = new HashMap<>();
  private static final HttpClient http = LifecycleServer.client();

  @BeforeAll
  static void startBoth() throws Exception {
    sso = SharedSso.get();
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    Map<String, String> extra = Map.of("roles.cache-ttl", CACHE_TTL.toSeconds() + "s");
    first = new LifecycleServer(dir.resolve("first"), hsm, sso, Clock.systemUTC(), extra);
    second = startSecond(hsm, extra);
  }

  @AfterAll
  static void stopBoth() throws Exception {
    try {
      if (second != null) stopSecond();
    } finally {
      if (first != null) first.close();
    }
  }

  /**
   * The real server, {@link Main}{@code --config FILE}, in a new JVM with this JVM's class path, its own config file
   * with port-0 listeners, the PIN in {@code IDP_HSM_PIN}.
   */
  private static Process startSecond(IdpConfig.Hsm hsm, Map<String, String> extra) throws Exception {
    Path secondDir = dir.resolve("second");
    Path config = secondDir.resolve("idp.conf");
    LifecycleServer.write(config, LifecycleServer.configText(secondDir, hsm, sso, secondDir.resolve("audit.log"),
        REPLICA_ADMIN_TOKEN, extra));
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "--config", config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // SOFTHSM2_CONF is inherited from this JVM's environment (surefire sets it); the PIN only by environment.
    pb.environment().put("IDP_HSM_PIN", LifecycleServer.pin(hsm));
    Process p = pb.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          secondOutput.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            synchronized (secondUrls) {
              secondUrls.put(m.group(1), URI.create("http://" + m.group(2)));
            }
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "second-replica-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Poll.until(Duration.ofSeconds(90), "the second server's three listeners", () -> {
        if (!p.isAlive()) throw new AssertionError("the second server exited: " + String.join("\n", secondOutput));
        synchronized (secondUrls) {
          return secondUrls.size();
        }
      }, n -> n == 3);
    } catch (RuntimeException | Error e) {
      p.destroyForcibly();
      throw e;
    }
    return p;
  }

  private static void stopSecond() throws Exception {
    second.destroy(); // SIGTERM: the server stops gracefully, as in production
    if (!second.waitFor(20, TimeUnit.SECONDS)) {
      second.destroyForcibly();
      second.waitFor(10, TimeUnit.SECONDS);
    }
    synchronized (secondOutput) {
      for (String line : secondOutput) System.out.println("[second] " + line);
    }
  }

  private static URI second(String listener, String path) {
    synchronized (secondUrls) {
      return URI.create(secondUrls.get(listener) + path);
    }
  }

  private static HttpResponse<String> secondJwks(RoleId role) {
    return LifecycleServer.send(http, HttpRequest.newBuilder(
        second("public", "/" + role.account() + "/" + role.engineer() + "/jwks.json")).GET().build());
  }

  private static HttpResponse<String> secondExchange(RoleId role) {
    RoleNames names = first.names;
    return LifecycleServer.exchange(http, second("token", "/token"), names.roleArn(role),
        sso.idToken(role.engineer() + "@" + SsoTestIssuer.DOMAIN));
  }

  private static HttpResponse<String> secondAdmin(String method, String path, String body) {
    return LifecycleServer.send(http, LifecycleServer.adminRequest(second("management", path), method, body,
        "Bearer " + REPLICA_ADMIN_TOKEN));
  }

  private static List<String> kidsOrEmpty(HttpResponse<String> jwks) {
    return jwks.statusCode() == 200 ? LifecycleServer.kids(jwks) : List.of("status " + jwks.statusCode());
  }

  @Test
  void aRoleCreatedRotatedAndRevokedThroughTheFirstServerOrKeysAdminIsSeenByTheSecondWithinTheCacheTtl()
      throws Exception {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "remy");
    assertEquals(404, secondJwks(role).statusCode());

    first.create(role, "1h");
    List<String> created = LifecycleServer.kids(first.jwks(role));
    Poll.until(WITHIN, "the role's JWKS on the second server", () -> kidsOrEmpty(secondJwks(role)),
        created::equals);
    // The second replica mints with the key the first one created, and its own JWKS verifies the token.
    HttpResponse<String> minted = secondExchange(role);
    assertEquals(created.get(0), LifecycleServer.kidOf(minted));
    Sts.verify(LifecycleServer.accessToken(minted), secondJwks(role).body(), first.names.issuer(role), Instant.now());

    // Rotation through keys-admin (neither server's admin API): both replicas publish both kids within the TTL.
    new Operator(first.config, Clock.systemUTC(), "oncall").run("role", "rotate", role.toString()).succeeds();
    List<String> bothKids = Poll.until(WITHIN, "both kids on the first server",
        () -> kidsOrEmpty(first.jwks(role)), k -> k.size() == 2);
    assertTrue(bothKids.containsAll(created));
    Poll.until(WITHIN, "both kids on the second server", () -> kidsOrEmpty(secondJwks(role)), bothKids::equals);

    // Revocation through the first server's admin API: the second stops publishing and minting within the TTL.
    assertEquals(200, first.revoke(role).statusCode());
    assertEquals(404, first.jwks(role).statusCode(), "the replica that revoked serves the change at once");
    Poll.until(WITHIN, "404 on the second server", () -> secondJwks(role).statusCode(), s -> s == 404);
    HttpResponse<String> refused = secondExchange(role);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_target", LifecycleServer.json(refused).get("error"));
    assertEquals(List.of(), first.kidsOnToken(role));
  }

  @Test
  void aRoleCreatedAndRevokedThroughTheSecondServersAdminApiIsSeenByTheFirstWithinTheCacheTtl() {
    RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "rita");
    HttpResponse<String> created = secondAdmin("POST", "/admin/roles",
        "{\"account\":\"" + role.account() + "\",\"engineer\":\"rita\",\"ttl\":\"1h\"}");
    assertEquals(201, created.statusCode(), created.body());
    List<String> kids = LifecycleServer.kids(secondJwks(role));
    Poll.until(WITHIN, "the role on the first server", () -> kidsOrEmpty(first.jwks(role)), kids::equals);
    assertEquals(kids.get(0), LifecycleServer.kidOf(first.exchange(role)));

    HttpResponse<String> rotated = secondAdmin("POST", "/admin/roles/" + role.account() + "/rita/rotate", null);
    assertEquals(200, rotated.statusCode(), rotated.body());
    Poll.until(WITHIN, "both kids on the first server", () -> kidsOrEmpty(first.jwks(role)), k -> k.size() == 2);

    assertEquals(200, secondAdmin("DELETE", "/admin/roles/" + role.account() + "/rita", null).statusCode());
    Poll.until(WITHIN, "404 on the first server", () -> first.jwks(role).statusCode(), s -> s == 404);
    HttpResponse<String> refused = first.exchange(role);
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("invalid_target", LifecycleServer.json(refused).get("error"));
  }
}
