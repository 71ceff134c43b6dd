package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.server.IdpServer;
import com.doit.idp.server.OpenApiContract;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A running server over a real SoftHSM2 token, the real token decisions, mock-oauth2-server as the SSO issuer and a
 * real audit log file, with an HTTP client and helpers for the calls the lifecycle tests make. The configuration is
 * written to a file and loaded the way {@code Main} loads it (PIN from {@code IDP_HSM_PIN}); {@link #configText}
 * writes the same kind of file for a second server process.
 */
final class LifecycleServer implements AutoCloseable {
  static final String ADMIN_TOKEN = "lifecycle-admin-token-0123456789abcdef";
  static final String STS = "sts.amazonaws.com";

  final Path dir;
  final IdpConfig.Hsm hsm;
  final IdpConfig config;
  final RoleNames names;
  final Clock clock;
  final RoleKeyStore store;
  final FileAuditLog audit;
  final Path auditFile;
  final IdpServer server;
  final SsoTestIssuer sso;
  final HttpClient http = client();
  private Pkcs11RoleKeyStore observer;

  /**
   * @param extra configuration keys over the defaults of {@link #configText}
   * @param openStore opens the server's store (the fixture closes it after the server)
   */
  LifecycleServer(Path dir, IdpConfig.Hsm hsm, SsoTestIssuer sso, Clock clock, Map<String, String> extra,
      Function<IdpConfig.Hsm, RoleKeyStore> openStore, Duration gcEvery) {
    this.dir = dir;
    this.hsm = hsm;
    this.sso = sso;
    this.clock = clock;
    this.auditFile = dir.resolve("audit.log");
    Path file = dir.resolve("idp.conf");
    write(file, configText(dir, hsm, sso, auditFile, ADMIN_TOKEN, extra));
    this.config = ConfigLoader.load(Optional.of(file), Map.of(ConfigLoader.PIN_VARIABLE, pin(hsm)), false);
    this.names = RoleNames.of(config);
    this.store = openStore.apply(config.hsm());
    this.audit = new FileAuditLog(auditFile);
    // The production wiring (SSO verifier, token services, readiness on the SSO keys) with the test's clock.
    this.server = IdpServer.builder(config).roleKeyStore(store).clock(clock).auditLog(audit).gcEvery(gcEvery).start();
    OpenApiContract.register(server);
    // Ready means the SSO keys are loaded too: a first token request then never meets a cold SSO key fetch.
    Poll.until(Duration.ofSeconds(60), "the server ready", () -> readyz().statusCode(), c -> c == 200);
  }

  LifecycleServer(Path dir, IdpConfig.Hsm hsm, SsoTestIssuer sso, Clock clock, Map<String, String> extra) {
    this(dir, hsm, sso, clock, extra, Pkcs11RoleKeyStore::new, Duration.ofMillis(300));
  }

  static String pin(IdpConfig.Hsm hsm) {
    return new String(hsm.pin().reveal());
  }

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * A configuration file for a server on {@code hsm} with loopback listeners on free ports, {@code sso} as the SSO
   * issuer and the admin API on; each of {@code extra} replaces a default. No PIN in it: that comes from the
   * environment.
   */
  static String configText(Path dir, IdpConfig.Hsm hsm, SsoTestIssuer sso, Path auditFile, String adminToken,
      Map<String, String> extra) {
    Path tokenFile = dir.resolve("admin-token-" + Integer.toHexString(adminToken.hashCode()));
    write(tokenFile, adminToken + "\n");
    try {
      // admin.token-file must be the owner's alone
      Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> c = new LinkedHashMap<>();
    c.put("listen.public", "127.0.0.1:0");
    c.put("listen.token", "127.0.0.1:0");
    c.put("listen.management", "127.0.0.1:0");
    c.put("hsm.library", hsm.library().toString());
    c.put("hsm.token-label", hsm.tokenLabel());
    c.put("hsm.sessions", "4");
    c.put("sso.issuer", sso.issuer().toString());
    c.put("sso.audiences", SsoTestIssuer.AUDIENCE);
    c.put("sso.allowed-domains", SsoTestIssuer.DOMAIN);
    c.put("audit.file", auditFile.toString());
    c.put("admin.token-file", tokenFile.toString());
    c.put("http.rate-limit", "1000/m");
    c.put("tokens.algorithm", "ES256"); // EC keys generate in milliseconds on SoftHSM2, RSA ones take far longer
    c.putAll(extra);
    return c.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue()).collect(Collectors.joining("\n", "", "\n"));
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- HTTP

  /** Sends a request; the response is held to docs/openapi.yaml ({@link OpenApiContract}). */
  static HttpResponse<String> send(HttpClient http, HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      OpenApiContract.check(r);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  URI url(String listener, String path) {
    return URI.create(server.url(listener) + path);
  }

  HttpResponse<String> get(String listener, String path) {
    return send(http, HttpRequest.newBuilder(url(listener, path)).GET().build());
  }

  HttpResponse<String> jwks(RoleId role) {
    return get("public", "/" + role.account() + "/" + role.engineer() + "/jwks.json");
  }

  HttpResponse<String> discovery(RoleId role) {
    return get("public", "/" + role.account() + "/" + role.engineer() + "/.well-known/openid-configuration");
  }

  HttpResponse<String> readyz() {
    return get("management", "/readyz");
  }

  /** An admin API call with the right token; {@code body} null for none. */
  HttpResponse<String> admin(String method, String path, String body) {
    return send(http, adminRequest(URI.create(server.url("management") + path), method, body, "Bearer " + ADMIN_TOKEN));
  }

  static HttpRequest adminRequest(URI uri, String method, String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    if (authorization != null) b.header("Authorization", authorization);
    return b.build();
  }

  HttpResponse<String> create(RoleId role, String ttl) {
    HttpResponse<String> r = admin("POST", "/admin/roles", "{\"account\":\"" + role.account() + "\",\"engineer\":\""
        + role.engineer() + "\"" + (ttl == null ? "" : ",\"ttl\":\"" + ttl + "\"") + "}");
    assertEquals(201, r.statusCode(), r.body());
    return r;
  }

  HttpResponse<String> rotate(RoleId role) {
    return admin("POST", "/admin/roles/" + role.account() + "/" + role.engineer() + "/rotate", null);
  }

  HttpResponse<String> revoke(RoleId role) {
    return admin("DELETE", "/admin/roles/" + role.account() + "/" + role.engineer(), null);
  }

  HttpResponse<String> extend(RoleId role, String ttl) {
    return admin("POST", "/admin/roles/" + role.account() + "/" + role.engineer() + "/extend",
        "{\"ttl\":\"" + ttl + "\"}");
  }

  /** An SSO ID token for {@code engineer@doit.com}, issued now by the server's clock, signed by the SSO issuer. */
  String ssoToken(String engineer) {
    return sso.signWithIssuerKey(sso.claimsAt(clock.instant(), engineer + "@" + SsoTestIssuer.DOMAIN).build());
  }

  /** {@code POST /token} for {@code role}, with an SSO token of the role's engineer. */
  HttpResponse<String> exchange(RoleId role) {
    return exchange(url("token", "/token"), names.roleArn(role), ssoToken(role.engineer()));
  }

  static HttpResponse<String> exchange(HttpClient http, URI tokenUrl, String roleArn, String ssoToken) {
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(ssoToken)
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:id_token")
        + "&resource=" + enc(roleArn) + "&audience=" + enc(STS);
    return send(http, HttpRequest.newBuilder(tokenUrl).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  HttpResponse<String> exchange(URI tokenUrl, String roleArn, String ssoToken) {
    return exchange(http, tokenUrl, roleArn, ssoToken);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  // ---- reading answers

  static Map<String, Object> json(HttpResponse<String> r) {
    return json(r.body());
  }

  static Map<String, Object> json(String text) {
    try {
      return JSONObjectUtils.parse(text);
    } catch (ParseException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** The kids of a JWKS answer, in order. */
  static List<String> kids(HttpResponse<String> jwks) {
    assertEquals(200, jwks.statusCode(), jwks.body());
    List<String> kids = new ArrayList<>();
    for (Object k : (List<?>) json(jwks).get("keys")) kids.add((String) ((Map<?, ?>) k).get("kid"));
    return kids;
  }

  /** The kid in the header of a minted token (a 200 token answer). */
  static String kidOf(HttpResponse<String> tokenAnswer) {
    assertEquals(200, tokenAnswer.statusCode(), tokenAnswer.body());
    return SignedJWT.class.cast(parse(accessToken(tokenAnswer))).getHeader().getKeyID();
  }

  static String accessToken(HttpResponse<String> tokenAnswer) {
    return (String) json(tokenAnswer).get("access_token");
  }

  private static SignedJWT parse(String jwt) {
    try {
      return SignedJWT.parse(jwt);
    } catch (ParseException e) {
      throw new AssertionError("not a JWS", e);
    }
  }

  static String header(HttpResponse<String> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  /**
   * The role's keys, sorted, as another store than the server's lists them from the token right now (a listing
   * searches the token's objects afresh), not as the server remembers them.
   */
  synchronized List<String> kidsOnToken(RoleId role) {
    if (observer == null) observer = new Pkcs11RoleKeyStore(hsm);
    return observer.list().stream().filter(k -> k.role().equals(role)).map(RoleKey::kid).sorted().toList();
  }

  /** Every key of {@code account} on the token with its full label (the role's state as the HSM holds it). */
  synchronized Map<String, String> labelsOnToken(String account) {
    if (observer == null) observer = new Pkcs11RoleKeyStore(hsm);
    Map<String, String> m = new java.util.TreeMap<>();
    for (RoleKey k : observer.list()) {
      if (k.role().account().equals(account)) m.put(k.kid(), k.metadata().toLabel());
    }
    return m;
  }

  List<String> auditLines() {
    try {
      return Files.exists(auditFile) ? Files.readAllLines(auditFile) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The audit lines, parsed, of one role. */
  List<Map<String, Object>> audit(RoleId role) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : auditLines()) {
      Map<String, Object> m = json(line);
      if (role.account().equals(m.get("account")) && role.engineer().equals(m.get("engineer"))) out.add(m);
    }
    return out;
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      try {
        audit.close();
      } finally {
        store.close();
        synchronized (this) {
          if (observer != null) observer.close();
        }
      }
    }
  }
}
