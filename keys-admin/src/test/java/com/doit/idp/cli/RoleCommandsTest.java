package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SupportRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every role command against the in-memory HSM, in text and in JSON, with a clock the test moves. */
@SuppressWarnings("unchecked")
class RoleCommandsTest {
  private static final String ACCOUNT = "123456789012";
  private static final String ROLE = ACCOUNT + "/alice";
  private static final Pattern RFC3339_UTC = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
  private static final String ACTOR = "keys-admin:" + System.getProperty("user.name");

  @TempDir
  Path dir;

  private InMemoryRoleKeyStore store;
  private Cli cli;

  @BeforeEach
  void setUp() {
    store = new InMemoryRoleKeyStore();
    cli = new Cli(dir, store, "roles.max-ttl = 7d");
  }

  private Map<String, Object> create(String engineer, String... more) {
    String[] args = new String[5 + more.length];
    System.arraycopy(new String[] {"role", "create", "--account", ACCOUNT, "--engineer"}, 0, args, 0, 5);
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, 5);
    all[5] = engineer;
    System.arraycopy(more, 0, all, 6, more.length);
    all[all.length - 1] = "--json";
    return cli.run(java.util.Arrays.copyOf(all, all.length)).succeeds().json();
  }

  private static List<Map<String, Object>> keys(Map<String, Object> role) {
    return (List<Map<String, Object>>) role.get("keys");
  }

  private static List<String> states(Map<String, Object> role) {
    return keys(role).stream().map(k -> (String) k.get("state")).toList();
  }

  /** What RoleJson says of the role now, through the JSON round trip, so the CLI's JSON can be compared exactly. */
  private Map<String, Object> expectedJson(String role) throws Exception {
    RoleId id = RoleId.parse(role);
    SupportRole r = RoleService.group(store.list()).stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
    return com.nimbusds.jose.util.JSONObjectUtils.parse(
        com.nimbusds.jose.util.JSONObjectUtils.toJSONString(RoleJson.of(r, RoleNames.of(cli.config), cli.clock.instant())));
  }

  @Test
  void createPrintsRoleJsonExactlyWithOneActiveKeyAndTheDefaultWindow() throws Exception {
    Map<String, Object> role = create("alice");
    assertEquals(expectedJson(ROLE), role);
    assertEquals(ROLE, role.get("role"));
    assertEquals(ACCOUNT, role.get("account"));
    assertEquals("alice", role.get("engineer"));
    assertEquals("https://oidc.aws-ops.doit-intl.com/123456789012/alice", role.get("issuer"));
    assertEquals("oidc.aws-ops.doit-intl.com/123456789012/alice", role.get("provider_url"));
    assertEquals("arn:aws:iam::123456789012:oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/alice",
        role.get("provider_arn"));
    assertEquals("DoiT-Support-alice", role.get("role_name"));
    assertEquals("arn:aws:iam::123456789012:role/DoiT-Support-alice", role.get("role_arn"));
    assertEquals(List.of("active"), states(role));
    assertEquals("RS256", keys(role).get(0).get("algorithm"));
    assertEquals(Cli.START.plus(Duration.ofHours(24)).toString(), role.get("expires_at"));
    assertTrue(RFC3339_UTC.matcher((String) role.get("expires_at")).matches());
    assertEquals("2012-10-17", ((Map<String, Object>) role.get("trust_policy")).get("Version"));
  }

  @Test
  void createTakesTtlAndAlgorithm() {
    Map<String, Object> role = create("bob", "--ttl", "2h", "--alg", "ES256");
    assertEquals(Cli.START.plus(Duration.ofHours(2)).toString(), role.get("expires_at"));
    assertEquals("ES256", keys(role).get(0).get("algorithm"));
  }

  @Test
  void createInTextNamesIssuerArnsKeysExpiryAndWhatToGiveTheCustomer() {
    Cli.Run r = cli.run("role", "create", "--account", ACCOUNT, "--engineer", "alice", "--ttl", "36h").succeeds();
    String kid = (String) keys(cli.run("role", "show", ROLE, "--json").json()).get(0).get("kid");
    String out = r.out();
    assertTrue(out.startsWith("created role 123456789012/alice\n"), out);
    assertTrue(out.contains("issuer        https://oidc.aws-ops.doit-intl.com/123456789012/alice\n"), out);
    assertTrue(out.contains("provider arn  arn:aws:iam::123456789012:oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/alice\n"), out);
    assertTrue(out.contains("role arn      arn:aws:iam::123456789012:role/DoiT-Support-alice\n"), out);
    assertTrue(out.contains("expires at    2026-11-29T00:00:00Z (in 1d 12h)\n"), out);
    assertTrue(out.contains("keys          " + kid + "  RS256  active\n"), out);
    assertTrue(out.contains("For the customer, in AWS account 123456789012:"), out);
    assertTrue(out.contains("audience (client id) sts.amazonaws.com"), out);
    assertTrue(out.contains("the IAM role DoiT-Support-alice with this trust policy"), out);
    assertTrue(out.contains("\"sts:AssumeRoleWithWebIdentity\""), out);
  }

  @Test
  void listShowsATableAndJsonRolesFilteredByAccountAndEngineer() throws Exception {
    create("alice");
    create("bob", "--alg", "ES256", "--ttl", "90m");
    cli.run("role", "create", "--account", "999999999999", "--engineer", "alice").succeeds();

    List<String> lines = cli.run("role", "list").succeeds().out().lines().toList();
    assertEquals(4, lines.size(), lines.toString());
    assertTrue(lines.get(0).matches("ROLE +ALG +KEYS +EXPIRES_AT +LEFT"), lines.get(0));
    assertTrue(lines.get(1).matches("123456789012/alice +RS256 +active +2026-11-28T12:00:00Z +1d 0h"), lines.get(1));
    assertTrue(lines.get(2).matches("123456789012/bob +ES256 +active +2026-11-27T13:30:00Z +1h 30m"), lines.get(2));
    assertTrue(lines.get(3).startsWith("999999999999/alice "), lines.get(3));

    Map<String, Object> all = cli.run("role", "list", "--json").succeeds().json();
    List<Map<String, Object>> roles = (List<Map<String, Object>>) all.get("roles");
    assertEquals(List.of(ROLE, ACCOUNT + "/bob", "999999999999/alice"), roles.stream().map(m -> m.get("role")).toList());
    assertEquals(expectedJson(ROLE), roles.get(0));

    List<Map<String, Object>> byAccount = (List<Map<String, Object>>) cli.run("role", "list", "--account", ACCOUNT, "--json").json().get("roles");
    assertEquals(2, byAccount.size());
    List<Map<String, Object>> byEngineer = (List<Map<String, Object>>) cli.run("--json", "role", "list", "--engineer", "alice").json().get("roles");
    assertEquals(List.of(ROLE, "999999999999/alice"), byEngineer.stream().map(m -> m.get("role")).toList());
    List<Map<String, Object>> both = (List<Map<String, Object>>) cli.run("role", "list", "--engineer", "alice", "--account", "999999999999", "--json").json().get("roles");
    assertEquals(1, both.size());
    assertEquals(List.of(), cli.run("role", "list", "--engineer", "carol", "--json").json().get("roles"));
    assertEquals("no roles\n", cli.run("role", "list", "--engineer", "carol").succeeds().out());
    cli.run("role", "list", "--account", "12").failsWithOneLine("--account: account must be 12 digits");
    cli.run("role", "list", "--engineer", "Alice").failsWithOneLine("--engineer:");
  }

  @Test
  void showPrintsTheRoleOrFailsInOneLineWhenThereIsNone() throws Exception {
    create("alice");
    assertEquals(expectedJson(ROLE), cli.run("role", "show", ROLE, "--json").succeeds().json());
    assertTrue(cli.run("role", "show", ROLE).succeeds().out().startsWith("role          123456789012/alice\n"));
    cli.run("role", "show", ACCOUNT + "/bob").failsWithOneLine("no role 123456789012/bob");
    cli.run("role", "show", "alice").failsWithOneLine("role 'alice': role must be <account>/<engineer>");
  }

  @Test
  void aRoleRotatesExtendsAndIsRevokedThroughItsWholeLife() {
    Map<String, Object> created = create("alice");
    String first = (String) keys(created).get(0).get("kid");

    Map<String, Object> rotated = cli.run("role", "rotate", ROLE, "--json").succeeds().json();
    assertEquals(List.of("active", "next"), states(rotated));
    assertEquals(first, keys(rotated).get(0).get("kid"));
    String second = (String) keys(rotated).get(1).get("kid");
    assertNotEquals(first, second);
    // The new key is published at once, before it signs.
    assertEquals(List.of(first, second), jwksKids());
    // One rotation at a time: a role never publishes more than two keys.
    cli.run("role", "rotate", ROLE).failsWithOneLine("is rotating already");

    cli.clock.advance(cli.config.http().jwksMaxAge());
    Map<String, Object> shown = cli.run("role", "show", ROLE, "--json").succeeds().json();
    assertEquals(List.of("retiring", "active"), states(shown));
    assertEquals(List.of(first, second), jwksKids());
    String text = cli.run("role", "show", ROLE).succeeds().out();
    assertTrue(text.contains(first + "  RS256  retiring  (retires at 2026-11-27T12:15:00Z)"), text);

    // The old key retires when its last token has expired plus one max-age: 300s + 300s after the switch.
    cli.clock.advance(Duration.ofSeconds(600));
    assertEquals(List.of(second), jwksKids());

    Map<String, Object> extended = cli.run("role", "extend", ROLE, "--ttl", "48h", "--json").succeeds().json();
    assertEquals(cli.clock.instant().plus(Duration.ofHours(48)).toString(), extended.get("expires_at"));
    String extendedText = cli.run("role", "extend", ROLE, "--ttl", "3d").succeeds().out();
    assertEquals("extended role 123456789012/alice: expires at 2026-11-30T12:15:00Z (in 3d 0h)\n", extendedText);

    Map<String, Object> revoked = cli.run("role", "revoke", ROLE, "--json").succeeds().json();
    assertEquals(ROLE, revoked.get("role"));
    assertEquals(true, revoked.get("revoked"));
    assertEquals(2, ((List<Object>) revoked.get("deleted_keys")).size());
    assertEquals(List.of(), store.list());
    cli.run("role", "show", ROLE).failsWithOneLine("no role " + ROLE);
    cli.run("role", "revoke", ROLE).failsWithOneLine("no role " + ROLE);
  }

  @Test
  void rotateInTextSaysWhenTheNewKeySignsAndTheOldOneRetires() {
    create("alice");
    String out = cli.run("role", "rotate", ROLE).succeeds().out();
    assertTrue(out.startsWith("rotating role 123456789012/alice\n"), out);
    assertTrue(out.contains("active  signs until 2026-11-27T12:05:00Z, retires at 2026-11-27T12:15:00Z"), out);
    assertTrue(out.contains("next  published now, signs from 2026-11-27T12:05:00Z"), out);
  }

  @Test
  void revokeInTextSaysWhatWasDeleted() {
    create("alice");
    assertEquals("revoked role 123456789012/alice: deleted 1 key from the HSM; replicas stop serving it within "
        + "roles.cache-ttl (30s)\n", cli.run("role", "revoke", ROLE).succeeds().out());
  }

  private List<String> jwksKids() {
    Map<String, Object> jwks = cli.run("role", "jwks", ROLE).succeeds().json();
    return ((List<Map<String, Object>>) jwks.get("keys")).stream().map(k -> (String) k.get("kid")).toList();
  }

  @Test
  void jwksIsThePublicKeySetAsServedOnOneLine() {
    Map<String, Object> created = create("alice", "--alg", "ES256");
    Cli.Run r = cli.run("role", "jwks", ROLE).succeeds();
    assertEquals(1, r.out().lines().count());
    assertEquals(r.out(), cli.run("role", "jwks", ROLE, "--json").succeeds().out());
    // Byte for byte what the public listener serves: {"keys":[...]} written compactly by nimbus.
    assertEquals(com.nimbusds.jose.util.JSONObjectUtils.toJSONString(
        Map.of("keys", List.of(store.list().get(0).publicJwk().toJSONObject()))) + "\n", r.out());
    Map<String, Object> jwks = r.json();
    assertEquals(List.of("keys"), List.copyOf(jwks.keySet()));
    Map<String, Object> key = ((List<Map<String, Object>>) jwks.get("keys")).get(0);
    assertEquals(keys(created).get(0).get("kid"), key.get("kid"));
    assertEquals("EC", key.get("kty"));
    assertEquals("P-256", key.get("crv"));
    assertEquals("sig", key.get("use"));
    assertEquals("ES256", key.get("alg"));
    assertFalse(key.containsKey("d"), "no private member");
    cli.run("role", "jwks", ACCOUNT + "/bob").failsWithOneLine("no role");
  }

  @Test
  void trustPolicyIsTheRolesPolicyIndentedAndNeedsNoHsm() throws Exception {
    store.fail(true);
    Cli.Run r = cli.run("role", "trust-policy", ROLE).succeeds();
    assertTrue(r.out().startsWith("{\n  \"Version\": \"2012-10-17\",\n"), r.out());
    Map<String, Object> expected = com.nimbusds.jose.util.JSONObjectUtils.parse(com.nimbusds.jose.util.JSONObjectUtils
        .toJSONString(RoleNames.of(cli.config).trustPolicy(RoleId.parse(ROLE))));
    assertEquals(expected, r.json());
    cli.run("role", "trust-policy", ACCOUNT + "/" + "a".repeat(51)).succeeds();
    new Cli(dir.resolve("long"), store, "issuer.role-prefix = DoiT-Support-X-")
        .run("role", "trust-policy", ACCOUNT + "/" + "a".repeat(51)).failsWithOneLine("longer than 64 characters");
  }

  @Test
  void aRoleAtItsExpiryInstantIsExpired() {
    create("alice", "--ttl", "1h");
    Instant end = Cli.START.plus(Duration.ofHours(1));

    cli.clock.set(end.minusSeconds(1));
    assertTrue(cli.run("role", "list").succeeds().out().contains("1s"));
    assertEquals(1, jwksKids().size());
    assertTrue(cli.run("role", "show", ROLE).succeeds().out().contains("(in 1s)"));

    cli.clock.set(end);
    List<String> lines = cli.run("role", "list").succeeds().out().lines().toList();
    assertTrue(lines.get(1).endsWith("  expired"), lines.get(1));
    String shown = cli.run("role", "show", ROLE).succeeds().out();
    assertTrue(shown.contains("(expired)") && shown.contains("This role has expired"), shown);
    assertFalse(shown.contains("For the customer"), shown);
    cli.run("role", "jwks", ROLE).failsWithOneLine("expired at 2026-11-27T13:00:00Z: it publishes nothing");
    cli.run("role", "extend", ROLE, "--ttl", "1h").failsWithOneLine("no active role " + ROLE);
    cli.run("role", "rotate", ROLE).failsWithOneLine("no active role " + ROLE);
    // An expired role may be created afresh: its leftovers are collected first.
    Map<String, Object> again = create("alice");
    assertEquals(List.of("active"), states(again));
    assertEquals(1, store.list().size());
  }

  @Test
  void gcDryRunSaysWhatItWouldDeleteAndThenGcDeletesIt() {
    create("alice", "--ttl", "1h");
    create("bob", "--ttl", "2d");
    create("carol", "--ttl", "2d");
    cli.run("role", "rotate", ACCOUNT + "/bob").succeeds();
    String bobOld = (String) keys(cli.run("role", "show", ACCOUNT + "/bob", "--json").json()).get(0).get("kid");
    cli.clock.advance(Duration.ofHours(1));
    int auditBefore = cli.auditLines().size();

    Map<String, Object> dry = cli.run("gc", "--dry-run", "--json").succeeds().json();
    assertEquals(true, dry.get("dry_run"));
    assertEquals(List.of(ROLE), dry.get("expired_roles"));
    List<Map<String, Object>> deleted = (List<Map<String, Object>>) dry.get("deleted_keys");
    assertEquals(List.of(ROLE, ACCOUNT + "/bob"), deleted.stream().map(k -> k.get("role")).toList());
    assertEquals(bobOld, deleted.get(1).get("kid"));
    assertEquals(4, store.list().size(), "a dry run deletes nothing");
    assertEquals(auditBefore, cli.auditLines().size(), "a dry run writes no audit line");
    String dryText = cli.run("gc", "--dry-run").succeeds().out();
    assertTrue(dryText.contains("would delete expired role " + ROLE + "\n"), dryText);
    assertTrue(dryText.contains("would delete key " + bobOld + " of " + ACCOUNT + "/bob (retired)\n"), dryText);
    assertTrue(dryText.endsWith("dry run: would delete 1 expired role and 2 keys\n"), dryText);

    String real = cli.run("gc").succeeds().out();
    assertTrue(real.contains("deleted expired role " + ROLE), real);
    assertEquals(2, store.list().size());
    List<String> events = cli.auditLines().stream().skip(auditBefore).map(l -> l.get("event") + " " + l.get("account")
        + "/" + l.get("engineer") + " " + l.get("actor")).toList();
    assertEquals(List.of(
        "key.deleted " + ROLE + " " + ACTOR,
        "role.expired " + ROLE + " " + ACTOR,
        "key.deleted " + ACCOUNT + "/bob " + ACTOR), events);

    Map<String, Object> again = cli.run("gc", "--json").succeeds().json();
    assertEquals(false, again.get("dry_run"));
    assertEquals(List.of(), again.get("expired_roles"));
    assertEquals(List.of(), again.get("deleted_keys"));
    assertEquals("nothing to delete\n", cli.run("gc").succeeds().out());
  }

  @Test
  void onlyAnIdThatAnSsoEmailCanGiveGetsARole() {
    cli.run("role", "create", "--account", ACCOUNT, "--engineer", "bob@doit.com")
        .failsWithOneLine("sso.engineer-id");
    Cli email = new Cli(dir.resolve("email"), store, "sso.engineer-id = email", "sso.allowed-domains = doit.com, doit-intl.com");
    email.run("role", "create", "--account", ACCOUNT, "--engineer", "bob@doit-intl.com").succeeds();
    email.run("role", "create", "--account", ACCOUNT, "--engineer", "bob").failsWithOneLine("sso.engineer-id");
    email.run("role", "create", "--account", ACCOUNT, "--engineer", "bob@evil.com").failsWithOneLine("sso.allowed-domains");
    assertEquals(1, store.list().size());
  }

  @Test
  void exactlyMaxActiveRolesMayExistAndOneMoreIsRefused() {
    Cli small = new Cli(dir.resolve("small"), store, "roles.max-active = 3");
    for (String e : List.of("a1", "a2", "a3")) {
      small.run("role", "create", "--account", ACCOUNT, "--engineer", e).succeeds();
    }
    small.run("role", "create", "--account", ACCOUNT, "--engineer", "a4")
        .failsWithOneLine("roles.max-active reached: 3 active roles of at most 3");
    assertEquals(3, store.list().size());
    small.run("role", "revoke", ACCOUNT + "/a1").succeeds();
    small.run("role", "create", "--account", ACCOUNT, "--engineer", "a4").succeeds();
    // Expired roles do not count against the limit.
    small.run("role", "create", "--account", ACCOUNT, "--engineer", "a5").failsWithOneLine("roles.max-active");
    small.clock.advance(Duration.ofHours(24));
    small.run("role", "create", "--account", ACCOUNT, "--engineer", "a5").succeeds();
  }

  @Test
  void badInputFailsWithOneLineAndChangesNothing() {
    create("alice");
    String[][] cases = {
        {"role create --account 12345 --engineer bob", "account must be 12 digits"},
        {"role create --account 123456789012 --engineer Bob", "engineer must match"},
        {"role create --account 123456789012 --engineer bob --ttl soon", "--ttl 'soon': must be a duration"},
        {"role create --account 123456789012 --engineer bob --ttl 0s", "ttl must be more than 0"},
        {"role create --account 123456789012 --engineer bob --ttl 8d", "ttl 8d exceeds roles.max-ttl 7d"},
        {"role create --account 123456789012 --engineer bob --alg HS256", "--alg 'HS256': algorithm must be RS256 or ES256"},
        {"role create --account 123456789012 --engineer alice", "role 123456789012/alice exists until"},
        {"role extend 123456789012/alice --ttl 8d", "exceeds roles.max-ttl"},
        {"role extend 123456789012/bob --ttl 1h", "no active role 123456789012/bob"},
        {"role rotate 123456789012/bob", "no active role 123456789012/bob"},
        {"role show 123456789012/alice/x", "role must be <account>/<engineer>"},
    };
    for (String[] c : cases) cli.run(c[0].split(" ")).failsWithOneLine(c[1]);
    assertEquals(1, store.list().size());
  }

  @Test
  void everyChangeIsAuditedWithTheOperatorAsActor() {
    create("alice");
    cli.run("role", "extend", ROLE, "--ttl", "2d").succeeds();
    cli.run("role", "rotate", ROLE).succeeds();
    cli.run("role", "revoke", ROLE).succeeds();
    List<Map<String, Object>> lines = cli.auditLines();
    assertEquals(List.of("role.created", "role.extended", "role.rotated", "key.deleted", "key.deleted", "role.revoked"),
        lines.stream().map(l -> l.get("event")).toList());
    for (Map<String, Object> l : lines) {
      assertEquals(ACTOR, l.get("actor"));
      assertEquals(ACCOUNT, l.get("account"));
      assertEquals("alice", l.get("engineer"));
      assertTrue(RFC3339_UTC.matcher((String) l.get("ts")).matches(), (String) l.get("ts"));
    }
  }

  @Test
  void commandsThatOnlyReadNeverOpenTheAuditLog() {
    cli.run("role", "list").succeeds();
    cli.run("role", "show", ROLE).failsWithOneLine("no role");
    cli.run("gc", "--dry-run").succeeds();
    cli.run("role", "trust-policy", ROLE).succeeds();
    assertFalse(Files.exists(cli.audit));
  }

  @Test
  void anAuditLogThatCannotBeOpenedStopsAChangeBeforeTheHsmIsTouched() throws Exception {
    Path blocker = dir.resolve("blocked");
    Files.writeString(blocker, "a file where the audit log's folder should be");
    Cli blocked = new Cli(dir.resolve("b"), store, "audit.file = " + blocker.resolve("audit.log"));
    blocked.run("role", "create", "--account", ACCOUNT, "--engineer", "alice").failsWithOneLine("cannot open the audit log");
    assertEquals(List.of(), store.list());
  }

  @Test
  void anHsmOutageFailsEveryHsmCommandInOneLine() {
    create("alice");
    store.fail(true);
    for (String c : List.of("role list", "role show " + ROLE, "role create --account 123456789012 --engineer bob",
        "role extend " + ROLE + " --ttl 1h", "role rotate " + ROLE, "role revoke " + ROLE, "role jwks " + ROLE, "gc",
        "gc --dry-run")) {
      cli.run(c.split(" ")).failsWithOneLine("keys-admin: hsm unavailable (simulated)");
    }
  }

  @Test
  void thePinIsNeverPrintedWhateverHappens() {
    create("alice");
    cli.run("role", "show", ROLE);
    cli.run("role", "list", "--verbose");
    cli.run("role", "create", "--account", "x", "--engineer", "y", "--verbose");
    cli.run("--help");
    store.fail(true);
    cli.run("role", "list", "--verbose");
    cli.runLoading(dir, "--config", dir.resolve("missing.conf").toString(), "role", "list", "--verbose");
    assertTrue(cli.runs.size() > 5);
    for (Cli.Run r : cli.runs) {
      assertFalse(r.out().contains(Cli.PIN) || r.err().contains(Cli.PIN), r.out() + r.err());
    }
  }

  @Test
  void aMissingConfigurationFileFailsInOneLineNamingIt() {
    cli.runLoading(dir, "role", "list", "--config", dir.resolve("missing.conf").toString())
        .failsWithOneLine("missing.conf: cannot read the configuration file");
  }
}
