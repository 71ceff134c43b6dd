package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keys-admin against a real SoftHSM2 token through the real {@link Pkcs11RoleKeyStore}: the keys it creates are
 * objects on the token that a second store (another replica) sees. Each test uses its own account, since the
 * token is shared by the JVM.
 */
@SuppressWarnings("unchecked")
class Pkcs11CommandsTest {
  private static RoleKeyStore store;

  @TempDir
  Path dir;

  @BeforeAll
  static void openStore() {
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  private static List<String> states(Map<String, Object> role) {
    return ((List<Map<String, Object>>) role.get("keys")).stream().map(k -> (String) k.get("state")).toList();
  }

  private static List<String> ourKids(RoleKeyStore s, String account) {
    return s.list().stream().filter(k -> k.role().account().equals(account)).map(RoleKey::kid).sorted().toList();
  }

  @Test
  void aRoleLivesItsWholeLifeOnTheTokenAndAnotherStoreSeesEveryStep() {
    String account = SoftHsmToken.uniqueAccount();
    String role = account + "/alice";
    Cli cli = new Cli(dir, store);
    Map<String, Object> created = cli.run("role", "create", "--account", account, "--engineer", "alice", "--json")
        .succeeds().json();
    assertEquals(List.of("active"), states(created));
    Map<String, Object> es = cli.run("--json", "role", "create", "--account", account, "--engineer", "bob", "--alg", "ES256")
        .succeeds().json();
    assertEquals("ES256", ((List<Map<String, Object>>) es.get("keys")).get(0).get("algorithm"));

    try (RoleKeyStore replica = new Pkcs11RoleKeyStore(SoftHsmToken.shared(2))) {
      assertEquals(2, ourKids(replica, account).size());

      Map<String, Object> rotated = cli.run("role", "rotate", role, "--json").succeeds().json();
      assertEquals(List.of("active", "next"), states(rotated));
      cli.clock.advance(cli.config.http().jwksMaxAge());
      assertEquals(List.of("retiring", "active"), states(cli.run("role", "show", role, "--json").succeeds().json()));
      assertEquals(3, ourKids(replica, account).size());
      Map<String, Object> jwks = cli.run("role", "jwks", role).succeeds().json();
      assertEquals(2, ((List<Object>) jwks.get("keys")).size());

      Map<String, Object> extended = cli.run("role", "extend", role, "--ttl", "2d", "--json").succeeds().json();
      assertEquals(cli.clock.instant().plus(Duration.ofDays(2)).toString(), extended.get("expires_at"));
      RoleKey stored = replica.list().stream().filter(k -> k.role().equals(RoleId.parse(role))).findFirst().orElseThrow();
      assertEquals(cli.clock.instant().plus(Duration.ofDays(2)), stored.metadata().roleExpiresAt());

      List<Map<String, Object>> listed = (List<Map<String, Object>>) cli.run("role", "list", "--account", account, "--json")
          .succeeds().json().get("roles");
      assertEquals(List.of(role, account + "/bob"), listed.stream().map(r -> r.get("role")).toList());

      // The old key retires 300s + 300s after the switch; gc deletes it from the token.
      cli.clock.advance(Duration.ofSeconds(600));
      Map<String, Object> dry = cli.run("gc", "--dry-run", "--json").succeeds().json();
      assertTrue(((List<Map<String, Object>>) dry.get("deleted_keys")).stream().anyMatch(k -> role.equals(k.get("role"))));
      assertEquals(3, ourKids(replica, account).size());
      cli.run("gc").succeeds();
      assertEquals(2, ourKids(replica, account).size());

      cli.run("role", "revoke", role).succeeds();
      cli.run("role", "revoke", account + "/bob").succeeds();
      assertEquals(List.of(), ourKids(replica, account));
      cli.run("role", "show", role).failsWithOneLine("no role " + role);
    }
  }

  @Test
  void anExpiredRoleIsCollectedFromTheToken() {
    String account = SoftHsmToken.uniqueAccount();
    Cli cli = new Cli(dir, store);
    cli.run("role", "create", "--account", account, "--engineer", "carol", "--ttl", "1h").succeeds();
    cli.clock.advance(Duration.ofHours(1));
    String listed = cli.run("role", "list", "--account", account).succeeds().out();
    assertTrue(listed.lines().toList().get(1).endsWith("expired"), listed);
    cli.run("gc").succeeds();
    assertEquals(List.of(), ourKids(store, account));
  }

  /** A configuration file for the shared SoftHSM2 token; the PIN is not in it (IDP_HSM_PIN gives it). */
  private Path sharedTokenConfig() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    return new Cli(dir, store, "hsm.library = " + hsm.library(), "hsm.token-label = " + hsm.tokenLabel()).configFile;
  }

  private static String pin() {
    return new String(SoftHsmToken.shared().pin().reveal());
  }

  @Test
  void aSeparateProcessOpensTheConfiguredTokenWithThePinFromTheEnvironment() {
    String account = SoftHsmToken.uniqueAccount();
    String conf = sharedTokenConfig().toString();
    Cli.Run created = Launcher.launch(dir, Map.of("IDP_HSM_PIN", pin()),
        "role", "create", "--account", account, "--engineer", "dave", "--config", conf, "--json").succeeds();
    // Made by another process, visible here: the HSM is the only database.
    assertEquals(List.of((String) ((List<Map<String, Object>>) created.json().get("keys")).get(0).get("kid")),
        ourKids(store, account));
    Cli.Run listed = Launcher.launch(dir, Map.of("IDP_HSM_PIN", pin()), "--config", conf, "role", "list", "--account", account)
        .succeeds();
    assertTrue(listed.out().contains(account + "/dave"), listed.out());
    Launcher.launch(dir, Map.of("IDP_HSM_PIN", pin()), "--config", conf, "role", "revoke", account + "/dave").succeeds();
    assertEquals(List.of(), ourKids(store, account));
  }

  @Test
  void aWrongPinFailsInOneLineThatDoesNotShowEitherPin() {
    String conf = sharedTokenConfig().toString();
    String wrong = "wrong-" + pin();
    Cli.Run refused = Launcher.launch(dir, Map.of("IDP_HSM_PIN", wrong), "--config", conf, "role", "list")
        .failsWithOneLine("CKR_PIN_INCORRECT");
    Cli.Run verbose = Launcher.launch(dir, Map.of("IDP_HSM_PIN", wrong), "--config", conf, "role", "list", "--verbose");
    assertEquals(1, verbose.code());
    for (Cli.Run r : List.of(refused, verbose)) {
      assertFalse(r.out().contains(wrong) || r.err().contains(wrong), r.err());
      assertFalse(r.out().contains(pin()) || r.err().contains(pin()), r.err());
    }
  }

  @Test
  void hsmCheckPassesOnSoftHsmInTextAndJson() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    Cli cli = Cli.withPin(dir, store, pin(), "hsm.library = " + hsm.library(), "hsm.token-label = " + hsm.tokenLabel());
    String text = cli.run("hsm", "check").succeeds().out();
    assertTrue(text.startsWith("hsm           token '" + hsm.tokenLabel() + "' in slot "), text);
    assertTrue(text.contains("template softhsm2"), text);
    assertTrue(text.contains("every one needed is there"), text);
    assertTrue(text.contains("RS256         ok: RSA-2048"), text);
    assertTrue(text.contains("ES256         ok: EC P-256"), text);
    assertTrue(text.endsWith("result        ok\n"), text);

    Map<String, Object> json = cli.run("hsm", "check", "--json", "--capacity", "100000").succeeds().json();
    assertEquals(true, json.get("ok"));
    assertEquals(hsm.tokenLabel(), json.get("token_label"));
    assertEquals(List.of(), json.get("missing_mechanisms"));
    assertTrue(((List<String>) json.get("mechanisms")).contains("CKM_ECDSA"));
    assertEquals(List.of(true, true), ((List<Map<String, Object>>) json.get("algorithms")).stream().map(a -> a.get("ok")).toList());
    assertEquals(100000L, ((Number) json.get("capacity_objects")).longValue());
    assertEquals(List.of(), json.get("problems"));
    assertFalse(text.contains(pin()) || json.toString().contains(pin()));
  }

  @Test
  void hsmCheckReportsAMissingTokenAndExitsOneWithTheSummary() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    Cli cli = Cli.withPin(dir, store, pin(), "hsm.library = " + hsm.library(), "hsm.token-label = no-such-token");
    Cli.Run r = cli.run("hsm", "check").failsWithOneLine("hsm check found");
    assertTrue(r.err().contains("no token labelled 'no-such-token'"), r.err());
    assertTrue(r.out().contains("  - connect: no token labelled 'no-such-token'"), r.out());
    cli.run("hsm", "check", "--template", "nope").failsWithOneLine("--template 'nope': must be one of softhsm2");
    cli.run("hsm", "check", "--capacity", "lots").failsWithOneLine("--capacity 'lots'");
    assertEquals(2, cli.run("hsm").code());
  }
}
