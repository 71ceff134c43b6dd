package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.aws.WebIdentitySts;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aws-ops credentials} from a real sign-in (the code flow against mock-oauth2-server) through the real
 * idp-server on SoftHSM2 to the STS stand-in, which verifies the web-identity token and the trust policy as STS
 * does: the credential_process answer, the cache and its expiry, the SSO sign-in's expiry and renewal, STS's
 * transient errors, and concurrent processes.
 */
class CredentialsTest {
  @TempDir static Path dir;
  private static TestDeployment deployment;
  private static String account;

  @BeforeAll
  static void start() throws IOException {
    deployment = new TestDeployment(dir.resolve("deployment"));
    account = deployment.grantedAccount();
  }

  @AfterAll
  static void stop() {
    deployment.close();
  }

  private static Engineer signedIn(String name) {
    Path home = dir.resolve(name);
    Engineer jane = new Engineer(home, deployment.engineerEnv(home));
    Engineer.Run login = jane.run("login");
    jane.awaitBrowser();
    assertEquals(0, login.exit(), login.err());
    return jane;
  }

  private static Map<String, Object> json(String text) throws Exception {
    return JSONObjectUtils.parse(text);
  }

  @Test
  void credentialsAreStsCredentialsOfTheEngineersRoleInCredentialProcessForm() throws Exception {
    Engineer jane = signedIn("first");
    long before = deployment.exchanges();
    Engineer.Run run = jane.run("credentials", "--account", account);
    assertEquals(0, run.exit(), run.err());
    assertEquals("", run.err());
    Map<String, Object> c = json(run.out());
    assertEquals(List.of("Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"), List.copyOf(c.keySet()));
    assertEquals(1L, ((Number) c.get("Version")).longValue());
    assertEquals(before + 1, deployment.exchanges());
    WebIdentitySts.Session session = deployment.aws.webIdentity().sessions().get((String) c.get("AccessKeyId"));
    // STS accepted our token for jane's role: the session is named after the engineer and carries her source identity
    assertEquals("arn:aws:sts::" + account + ":assumed-role/DoiT-Support-" + deployment.engineer + "/" + deployment.engineer, session.assumedRoleArn());
    assertEquals(deployment.engineer, session.sourceIdentity());
    assertEquals(session.sessionToken(), c.get("SessionToken"));
    assertEquals(session.expires(), Instant.parse((String) c.get("Expiration")));
    Path file = jane.cache().resolve("credentials-" + account);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    // The cache hit: no exchange, the same answer, in-process and through Main's path that loads nothing else.
    Engineer.Run again = jane.run("credentials", "--account", account);
    assertEquals(run.out(), again.out());
    ByteArrayOutputStream fast = new ByteArrayOutputStream();
    assertTrue(CachedCredentials.printIfFresh(jane.cache(), account, Instant.now().getEpochSecond(), fast));
    assertEquals(run.out().strip(), fast.toString(StandardCharsets.UTF_8).strip());
    assertEquals(before + 1, deployment.exchanges());
  }

  @Test
  void credentialsAreRenewedFiveMinutesBeforeTheirExpiration() throws Exception {
    Engineer jane = signedIn("expiry");
    Map<String, Object> first = json(jane.run("credentials", "--account", account).out());
    Instant expiration = Instant.parse((String) first.get("Expiration"));
    long exchanges = deployment.exchanges();

    jane.clock.set(expiration.minus(Duration.ofMinutes(5)).minusSeconds(2));
    assertEquals(first, json(jane.run("credentials", "--account", account).out()));
    assertEquals(exchanges, deployment.exchanges());

    jane.clock.set(expiration.minus(Duration.ofMinutes(5)));
    Engineer.Run renewed = jane.run("credentials", "--account", account);
    assertEquals(0, renewed.exit(), renewed.err());
    assertNotEquals(first.get("AccessKeyId"), json(renewed.out()).get("AccessKeyId"));
    assertEquals(exchanges + 1, deployment.exchanges());
  }

  @Test
  void anExpiredSignInWithoutRefreshTokenIsOneLineSayingToLogIn() throws Exception {
    Engineer jane = signedIn("expired");
    CacheDir cache = new CacheDir(jane.cache());
    SsoSession s = SsoSession.fromJson(cache.read(SsoSession.FILE));
    cache.write(SsoSession.FILE, new SsoSession(s.issuer(), s.clientId(), s.tokenEndpoint(), s.idToken(), null,
        s.expiresAt(), s.email()).toJson());
    jane.clock.set(s.expiresAt().minusSeconds(60));
    long exchanges = deployment.exchanges();
    List<URI> opened = new ArrayList<>();
    Engineer.Run run = jane.run(url -> opened.add(url), "credentials", "--account", account);
    assertEquals(1, run.exit());
    assertEquals("", run.out());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("aws-ops: not signed in to the company SSO"), run.err());
    assertTrue(run.err().strip().endsWith("run `aws-ops login`"), run.err());
    assertTrue(opened.isEmpty(), "credentials never opens a browser");
    assertEquals(exchanges, deployment.exchanges());
  }

  @Test
  void anExpiredSignInIsRenewedSilentlyWithTheRefreshToken() throws Exception {
    Engineer jane = signedIn("refresh");
    CacheDir cache = new CacheDir(jane.cache());
    SsoSession signedIn = SsoSession.fromJson(cache.read(SsoSession.FILE));
    // As if the ID token had been issued 59 minutes ago: it expires in 59 s, too soon to use it. The one the SSO
    // renews it with is good for an hour by the same clock.
    SsoSession before = new SsoSession(signedIn.issuer(), signedIn.clientId(), signedIn.tokenEndpoint(),
        signedIn.idToken(), signedIn.refreshToken(), jane.clock.instant().plusSeconds(59), signedIn.email());
    cache.write(SsoSession.FILE, before.toJson());
    Engineer.Run run = jane.run("credentials", "--account", account);
    assertEquals(0, run.exit(), run.err());
    SsoSession after = SsoSession.fromJson(cache.read(SsoSession.FILE));
    assertNotEquals(before.idToken(), after.idToken());
    assertNotEquals(before.refreshToken(), after.refreshToken(), "mock-oauth2-server rotates refresh tokens");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.path().resolve(SsoSession.FILE))));
  }

  @Test
  void stsIdpCommunicationErrorAndUnverifiableTokensAreRetriedWithBackoff() throws Exception {
    Engineer jane = signedIn("retry");
    deployment.aws.webIdentity().failNext(1, "IDPCommunicationError");
    deployment.aws.webIdentity().failNext(1, "InvalidIdentityToken");
    Engineer.Run run = jane.run("credentials", "--account", account);
    assertEquals(0, run.exit(), run.err());
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), jane.pauses);
  }

  @Test
  void stsRetriesStopAfterThirtySecondsWithOneLine() {
    Engineer jane = signedIn("retry-gives-up");
    deployment.aws.webIdentity().failNext(50, "InvalidIdentityToken");
    try {
      Engineer.Run run = jane.run("credentials", "--account", account);
      assertEquals(1, run.exit());
      assertEquals(1, run.err().lines().count(), run.err());
      assertTrue(run.err().contains("for 30 s (InvalidIdentityToken"), run.err());
      assertEquals(Duration.ofSeconds(30), jane.pauses.stream().reduce(Duration.ZERO, Duration::plus));
    } finally {
      deployment.aws.webIdentity().clearFaults();
    }
  }

  @Test
  void otherStsRefusalsAreOneLineAtOnce() {
    Engineer jane = signedIn("denied");
    deployment.aws.webIdentity().failNext(1, "AccessDenied");
    Engineer.Run run = jane.run("credentials", "--account", account);
    assertEquals(1, run.exit());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("aws-ops: AWS STS refused arn:aws:iam::" + account + ":role/DoiT-Support-" + deployment.engineer + " (AccessDenied"), run.err());
    assertTrue(jane.pauses.isEmpty());
  }

  @Test
  void anAccountWithoutRoleIsOneLineNamingTheReachableOnes() {
    Engineer jane = signedIn("no-role");
    Engineer.Run run = jane.run("credentials", "--account", "000011112222");
    assertEquals(1, run.exit());
    assertEquals("aws-ops: you have no active role in account 000011112222 (you have: " + account
        + "): ask for access through the support case", run.err().strip());
  }

  @Test
  void concurrentProcessesMakeOneExchange() throws Exception {
    Engineer jane = signedIn("concurrent");
    long before = deployment.exchanges();
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 3; i++) processes.add(AwsOpsProcess.start(jane.env, "credentials", "--account", account));
    List<String> outputs = new ArrayList<>();
    for (Process p : processes) {
      AwsOpsProcess.Result r = AwsOpsProcess.finish(p);
      assertEquals(0, r.exit(), r.err());
      outputs.add(r.out());
    }
    assertEquals(before + 1, deployment.exchanges(), "three processes, one exchange");
    assertEquals(1, outputs.stream().distinct().count(), outputs.toString());
    assertFalse(outputs.get(0).isBlank());
  }

  @Test
  void rolesListsTheReachableAccountsAndUntilWhen() {
    Engineer jane = signedIn("roles");
    Engineer.Run run = jane.run("roles");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().startsWith(account + "  arn:aws:iam::" + account + ":role/DoiT-Support-" + deployment.engineer
        + "  until "), run.out());
  }

  @Test
  void execRunsTheCommandWithTheCredentialsInItsEnvironmentAndItsExitCode() throws Exception {
    Engineer jane = signedIn("exec");
    jane.env.put("AWS_PROFILE", "somewhere-else");
    Path seen = dir.resolve("exec-env");
    Engineer.Run run = jane.run("exec", "--account", account, "--", "sh", "-c",
        "printf '%s %s %s %s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SESSION_TOKEN\" \"$AWS_CREDENTIAL_EXPIRATION\" "
            + "\"${AWS_PROFILE-unset}\" > '" + seen + "'; exit 7");
    assertEquals(7, run.exit(), run.err());
    Map<String, Object> c = json(jane.run("credentials", "--account", account).out());
    assertEquals(c.get("AccessKeyId") + " " + c.get("SessionToken") + " " + c.get("Expiration") + " unset",
        Files.readString(seen));
  }

  @Test
  void logoutForgetsTheSignInAndEveryCredential() throws Exception {
    Engineer jane = signedIn("logout");
    assertEquals(0, jane.run("credentials", "--account", account).exit());
    Engineer.Run out = jane.run("logout");
    assertEquals(0, out.exit(), out.err());
    assertEquals("Signed out; forgot 1 cached credential(s).", out.err().strip());
    try (var files = Files.list(jane.cache())) {
      assertTrue(files.map(f -> f.getFileName().toString()).allMatch(n -> n.endsWith(".lock")));
    }
    Engineer.Run after = jane.run("credentials", "--account", account);
    assertEquals(1, after.exit());
    assertEquals("aws-ops: not signed in to the company SSO (no sign-in cached): run `aws-ops login`", after.err().strip());
  }
}
