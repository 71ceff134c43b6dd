package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aws-ops login} against a real OpenID Connect authorization server (mock-oauth2-server): the authorization
 * code flow with PKCE S256, state and nonce, through a browser that follows the SSO's redirect to the loopback
 * listener, and the sign-in cached with mode 600.
 */
class LoginTest {
  @TempDir static Path dir;
  private static TestDeployment deployment;

  @BeforeAll
  static void start() throws IOException {
    deployment = new TestDeployment(dir.resolve("deployment"));
  }

  @AfterAll
  static void stop() {
    deployment.close();
  }

  private Engineer engineer(String name) {
    Path home = dir.resolve(name);
    return new Engineer(home, deployment.engineerEnv(home));
  }

  /** The requests the SSO received since the last call, by path. */
  private static Map<String, RecordedRequest> ssoRequests() throws InterruptedException {
    Map<String, RecordedRequest> byPath = new HashMap<>();
    while (true) {
      RecordedRequest r;
      try {
        r = deployment.sso.takeRequest(100, TimeUnit.MILLISECONDS);
      } catch (RuntimeException none) {
        return byPath; // mock-oauth2-server throws when its queue stays empty
      }
      byPath.put(r.getRequestUrl().encodedPath(), r);
    }
  }

  private static Map<String, String> form(String encoded) {
    Map<String, String> out = new HashMap<>();
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void loginRunsTheCodeFlowWithPkceAndCachesTheSignInForTheUserOnly() throws Exception {
    Engineer jane = engineer("pkce");
    ssoRequests();
    Engineer.Run run = jane.run("login");
    jane.awaitBrowser();
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.err().contains("Signed in as " + deployment.email), run.err());
    assertEquals(200, jane.browserVisits.get(0).statusCode());
    assertTrue(jane.browserVisits.get(0).body().contains("you can close this tab"));

    Map<String, RecordedRequest> sso = ssoRequests();
    RecordedRequest authorize = sso.get("/sso/authorize");
    RecordedRequest token = sso.get("/sso/token");
    assertNotNull(authorize, sso.keySet().toString());
    assertNotNull(token, sso.keySet().toString());
    Map<String, String> auth = form(authorize.getRequestUrl().encodedQuery());
    Map<String, String> exchange = form(token.getBody().readUtf8());
    assertEquals("code", auth.get("response_type"));
    assertEquals(TestDeployment.CLIENT_ID, auth.get("client_id"));
    assertEquals("openid email", auth.get("scope"));
    assertTrue(auth.get("redirect_uri").matches("http://127\\.0\\.0\\.1:[0-9]+/"), auth.get("redirect_uri"));
    assertEquals("S256", auth.get("code_challenge_method"));
    // RFC 7636 4.2: the challenge is BASE64URL(SHA-256(verifier)), and the verifier is 43..128 characters
    String verifier = exchange.get("code_verifier");
    assertTrue(verifier.length() >= 43 && verifier.length() <= 128, verifier.length() + " characters");
    String computed = Base64.getUrlEncoder().withoutPadding().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    assertEquals(computed, auth.get("code_challenge"));
    assertEquals("authorization_code", exchange.get("grant_type"));
    assertEquals(auth.get("redirect_uri"), exchange.get("redirect_uri"));
    assertNull(exchange.get("client_secret"), "a public client sends no secret");
    assertFalse(auth.get("state").isEmpty());
    assertFalse(auth.get("nonce").isEmpty());

    Path cached = jane.cache().resolve("sso.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cached)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(jane.cache())));
    Map<String, Object> session = JSONObjectUtils.parse(Files.readString(cached));
    assertEquals(deployment.ssoIssuer().toString(), session.get("issuer"));
    assertNotNull(session.get("refresh_token"), "mock-oauth2-server gives a refresh token with the code flow");
    assertEquals(deployment.email, session.get("email"));
    // nothing secret on the terminal
    assertFalse(run.err().contains((String) session.get("id_token")));
    assertFalse(run.out().contains(verifier) || run.err().contains(verifier));

    // and the cached sign-in is one the token service accepts
    Engineer.Run roles = jane.run("roles");
    assertEquals(0, roles.exit(), roles.err());
  }

  @Test
  void theSsoRefusesAnotherVerifierSoTheLoginTestProvesPkce() throws Exception {
    // Guard for the test above: mock-oauth2-server checks the verifier against the challenge when one is sent.
    Settings settings = Settings.load(deployment.engineerEnv(dir.resolve("guard")));
    SsoClient client = new SsoClient(settings, new Http());
    SsoClient.Endpoints endpoints = client.discover();
    URI redirect = URI.create("http://127.0.0.1:9/");
    SsoClient.Pkce pkce = SsoClient.Pkce.create();
    SsoClient.Pkce forged = new SsoClient.Pkce(SsoClient.Pkce.create().verifier(), pkce.challenge(), pkce.state(),
        pkce.nonce());
    AwsOpsException refused = assertThrows(AwsOpsException.class,
        () -> client.exchangeCode(endpoints, codeFor(client.authorizationUrl(endpoints, redirect, pkce)), redirect, forged));
    assertTrue(refused.getMessage().contains("refused the sign-in"), refused.getMessage());
    SsoSession session = client.exchangeCode(endpoints, codeFor(client.authorizationUrl(endpoints, redirect, pkce)),
        redirect, pkce);
    assertEquals(deployment.email, session.email());
  }

  /** The code the SSO sends the browser back with (read from its redirect, not followed). */
  private static String codeFor(URI authorizationUrl) throws Exception {
    String location = deployment.http.send(java.net.http.HttpRequest.newBuilder(authorizationUrl).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).headers().firstValue("location").orElseThrow();
    return form(URI.create(location).getRawQuery()).get("code");
  }

  @Test
  void loginWithoutBrowserPrintsTheUrlOnALineOfItsOwnAndWaitsForTheRedirect() throws Exception {
    Engineer jane = engineer("no-browser");
    java.io.PipedOutputStream pipe = new java.io.PipedOutputStream();
    java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
        new java.io.PipedInputStream(pipe, 1 << 16), StandardCharsets.UTF_8));
    CompletableFuture<Integer> login = CompletableFuture.supplyAsync(() -> AwsOps.run(new String[] {"login", "--no-browser"},
        new Context(Map.copyOf(jane.env), jane.clock, new java.io.PrintStream(pipe, true, StandardCharsets.UTF_8),
            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), url -> {
              throw new AssertionError("--no-browser opened a browser");
            }, d -> {}, java.util.Optional.empty())));
    String line = lines.readLine();
    assertTrue(line.startsWith(deployment.sso.authorizationEndpointUrl(TestDeployment.SSO_ID).toString() + "?"), line);
    assertEquals(line.strip(), line, "the URL alone on its line");
    // the engineer pastes it into a browser on the same computer
    assertEquals(200, jane.get(URI.create(line)).statusCode());
    assertEquals(0, login.get(60, TimeUnit.SECONDS));
    assertTrue(Files.exists(jane.cache().resolve("sso.json")));
  }

  @Test
  void anAnswerWithAnotherStateDoesNotEndTheSignIn() throws Exception {
    Engineer jane = engineer("state");
    List<URI> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Engineer.Run> login = CompletableFuture.supplyAsync(() -> jane.run(url -> opened.add(url), "login"));
    while (opened.isEmpty()) Thread.sleep(20);
    URI url = opened.get(0);
    String redirect = form(url.getRawQuery()).get("redirect_uri");
    // a forged redirect (another page posting to our port) is turned away and the wait goes on
    assertEquals(400, jane.get(URI.create(redirect + "?code=forged&state=not-ours")).statusCode());
    assertFalse(login.isDone());
    assertEquals(200, jane.get(url).statusCode());
    Engineer.Run run = login.get(60, TimeUnit.SECONDS);
    assertEquals(0, run.exit(), run.err());
  }

  @Test
  void signingInAsSomeoneElseForgetsTheCredentialsCachedBefore() throws Exception {
    Engineer jane = engineer("someone-else");
    CacheDir cache = new CacheDir(jane.cache());
    cache.write(SsoSession.FILE, new SsoSession(Settings.load(jane.env).ssoIssuer(), TestDeployment.CLIENT_ID,
        URI.create("http://127.0.0.1:9/token"), "header.payload.signature", null, java.time.Instant.now(),
        "bob@doit.com").toJson());
    cache.write("credentials-111122223333", CachedCredentials.encode(java.time.Instant.now().plusSeconds(3600), "{}"));
    Engineer.Run run = jane.run("login");
    jane.awaitBrowser();
    assertEquals(0, run.exit(), run.err());
    assertFalse(Files.exists(jane.cache().resolve("credentials-111122223333")), "bob's credentials are gone");
    // signing in again as the same engineer keeps them
    cache.write("credentials-111122223333", CachedCredentials.encode(java.time.Instant.now().plusSeconds(3600), "{}"));
    assertEquals(0, jane.run("login").exit());
    jane.awaitBrowser();
    assertTrue(Files.exists(jane.cache().resolve("credentials-111122223333")));
  }
}
