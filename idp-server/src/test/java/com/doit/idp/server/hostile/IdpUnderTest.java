package com.doit.idp.server.hostile;

import com.doit.idp.role.MutableClock;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.IdpServer;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The real server, started as production starts it ({@link IdpServer#builder}), on free loopback ports, against a real
 * SSO issuer ({@link SsoIssuer} on mock-oauth2-server) and a given HSM ({@code InMemoryRoleKeyStore} for speed, or
 * SoftHSM2). Time is a {@link MutableClock} shared by the server, the SSO issuer and the test.
 *
 * <p>Configuration is what production reads ({@link ConfigLoader} over {@code IDP_*} variables), outside
 * {@code --dev}: an {@code https://} issuer base without a port, as STS requires. Not thread-safe to set up;
 * the running server is.
 */
public final class IdpUnderTest implements AutoCloseable {
  public static final String ADMIN_TOKEN = "admin-token-for-hostile-tests-0123456789";
  public static final String BASE_URL = "https://oidc.aws-ops.doit-intl.com";
  public static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
  public static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
  public static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

  private final Path dir;
  private final IdpConfig config;
  private final MutableClock clock;
  private final SsoIssuer sso;
  private final RoleKeyStore store;
  private final IdpServer server;
  private final RoleService roles;
  private final AuditLog adminAudit;

  private IdpUnderTest(Path dir, IdpConfig config, MutableClock clock, SsoIssuer sso, RoleKeyStore store,
      IdpServer server, RoleService roles, AuditLog adminAudit) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.sso = sso;
    this.store = store;
    this.server = server;
    this.roles = roles;
    this.adminAudit = adminAudit;
  }

  /**
   * Starts with the given overrides of {@code IDP_*} variables (e.g. {@code IDP_HTTP_RATE_LIMIT}), auditing every
   * refused token request: the catalogues check one {@code token.denied} line per refused request, many more than
   * production writes for one source in a minute ({@link com.doit.idp.audit.BoundedDenialAudit}).
   */
  public static IdpUnderTest start(RoleKeyStore store, Map<String, String> overrides) {
    return start(store, overrides, true);
  }

  /**
   * @param everyDenialAudited true to write every {@code token.denied} line; false for production's bound per source
   */
  public static IdpUnderTest start(RoleKeyStore store, Map<String, String> overrides, boolean everyDenialAudited) {
    try {
      Path dir = Files.createTempDirectory("idp-hostile");
      Path adminToken = dir.resolve("admin.token");
      Files.writeString(adminToken, ADMIN_TOKEN + "\n");
      // admin.token-file must be the owner's alone
      Files.setPosixFilePermissions(adminToken, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      MutableClock clock = new MutableClock(START);
      SsoIssuer sso = SsoIssuer.start(clock);
      Map<String, String> env = new LinkedHashMap<>();
      env.put("IDP_ISSUER_BASE_URL", BASE_URL);
      env.put("IDP_LISTEN_PUBLIC", "127.0.0.1:0");
      env.put("IDP_LISTEN_TOKEN", "127.0.0.1:0");
      env.put("IDP_LISTEN_MANAGEMENT", "127.0.0.1:0");
      env.put("IDP_HSM_TOKEN_LABEL", "hostile");
      env.put(ConfigLoader.PIN_VARIABLE, "1234");
      env.put("IDP_SSO_ISSUER", sso.issuer());
      env.put("IDP_SSO_AUDIENCES", SsoIssuer.AUDIENCE);
      env.put("IDP_SSO_ALLOWED_DOMAINS", SsoIssuer.DOMAIN);
      env.put("IDP_HTTP_MAX_BODY", "16KiB");
      env.put("IDP_HTTP_RATE_LIMIT", "100000/s");
      env.put("IDP_AUDIT_FILE", dir.resolve("audit.log").toString());
      env.put("IDP_ADMIN_TOKEN_FILE", adminToken.toString());
      env.putAll(overrides);
      IdpConfig config = ConfigLoader.load(Optional.empty(), env, false);
      IdpServer.Builder builder = IdpServer.builder(config).roleKeyStore(store).clock(clock);
      if (everyDenialAudited) builder.everyDenialAudited();
      IdpServer server = builder.start();
      com.doit.idp.server.OpenApiContract.register(server);
      // operators' acts on the same HSM, as keys-admin makes them; its lines go to a log of its own
      AuditLog adminAudit = new com.doit.idp.audit.FileAuditLog(dir.resolve("keys-admin-audit.log"));
      RoleService roles = new RoleService(store, RoleService.Settings.of(config), clock, adminAudit,
          RoleNames.of(config));
      return new IdpUnderTest(dir, config, clock, sso, store, server, roles, adminAudit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public IdpConfig config() {
    return config;
  }

  public MutableClock clock() {
    return clock;
  }

  public SsoIssuer sso() {
    return sso;
  }

  public RoleKeyStore store() {
    return store;
  }

  public IdpServer server() {
    return server;
  }

  public RoleNames names() {
    return RoleNames.of(config);
  }

  public int port(String listener) {
    return server.address(listener).getPort();
  }

  public String baseUrl(String listener) {
    return server.url(listener).toString();
  }

  public RawHttp http(String listener) {
    return new RawHttp(port(listener), Duration.ofSeconds(20));
  }

  /** Creates a role as an operator would, and makes the server see it now. */
  public SupportRole createRole(String account, String engineer, SigningAlgorithm alg) {
    SupportRole r = roles.create(new RoleId(account, engineer), Optional.empty(), Optional.of(alg), "test");
    refresh();
    return r;
  }

  public SupportRole createRole(String account, String engineer, SigningAlgorithm alg, Duration ttl) {
    SupportRole r = roles.create(new RoleId(account, engineer), Optional.of(ttl), Optional.of(alg), "test");
    refresh();
    return r;
  }

  public SupportRole rotate(String account, String engineer) {
    SupportRole r = roles.rotate(new RoleId(account, engineer), "test");
    refresh();
    return r;
  }

  public void revoke(String account, String engineer) {
    roles.revoke(new RoleId(account, engineer), "test");
    refresh();
  }

  /** Moves time on for everyone, and lets the server's role snapshot catch up (it refreshes on a real-time timer). */
  public void advance(Duration d) {
    clock.advance(d);
    refresh();
  }

  public void refresh() {
    server.directory().refresh();
  }

  public int keyCount() {
    return store.list().size();
  }

  public String roleArn(String account, String engineer) {
    return names().roleArn(new RoleId(account, engineer));
  }

  public String issuer(String account, String engineer) {
    return names().issuer(new RoleId(account, engineer));
  }

  /** A form body, each pair URL-encoded, in order (repeats allowed). */
  public static String form(String... pairs) {
    StringJoiner j = new StringJoiner("&");
    for (int i = 0; i < pairs.length; i += 2) {
      j.add(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8) + "="
          + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return j.toString();
  }

  /** The form of a good token request for this SSO token and role ARN. */
  public static String exchangeForm(String ssoToken, String roleArn) {
    return form("grant_type", GRANT, "subject_token", ssoToken, "subject_token_type", ID_TOKEN_TYPE,
        "resource", roleArn);
  }

  /** POST /token with a form body. */
  public RawHttp.Response postToken(String formBody) {
    return http("token").send(RawHttp.request("POST", "/token",
        Map.of("Content-Type", "application/x-www-form-urlencoded"), formBody.getBytes(StandardCharsets.UTF_8)));
  }

  /** A token minted for {@code engineer} in {@code account} by the running server; fails the test if refused. */
  public String mint(String account, String engineer) {
    RawHttp.Response r = postToken(exchangeForm(sso.tokenFor(engineer), roleArn(account, engineer)));
    if (r.status() != 200) throw new AssertionError("token exchange refused: " + r);
    try {
      return (String) JSONObjectUtils.parse(r.body()).get("access_token");
    } catch (ParseException e) {
      throw new AssertionError("token response is not JSON: " + r);
    }
  }

  /** An admin API call with the right bearer token. */
  public RawHttp.Response admin(String method, String path, String jsonBody) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + ADMIN_TOKEN);
    if (jsonBody != null) h.put("Content-Type", "application/json");
    return http("management").send(RawHttp.request(method, path, h,
        jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8)));
  }

  /** The role as the admin API shows it ({@code keys-admin role show --json}). */
  public Map<String, Object> roleJson(String account, String engineer) {
    RawHttp.Response r = admin("GET", "/admin/roles/" + account + "/" + engineer, null);
    if (r.status() != 200) throw new AssertionError("admin show refused: " + r);
    try {
      return JSONObjectUtils.parse(r.body());
    } catch (ParseException e) {
      throw new AssertionError("admin show is not JSON: " + r);
    }
  }

  /** Every line of the server's audit log so far, parsed. */
  public List<Map<String, Object>> auditLines() {
    try {
      Path f = config.audit().file();
      if (!Files.exists(f)) return List.of();
      List<Map<String, Object>> out = new ArrayList<>();
      for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!l.isBlank()) out.add(JSONObjectUtils.parse(l));
      }
      return out;
    } catch (IOException | ParseException e) {
      throw new AssertionError("audit log unreadable: " + e);
    }
  }

  /** The audit lines written for one request, found by its {@code X-Request-Id}. */
  public List<Map<String, Object>> auditLinesOf(String requestId) {
    return auditLines().stream().filter(m -> requestId != null && requestId.equals(m.get("request_id"))).toList();
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    server.close();
    sso.close();
    adminAudit.close();
  }
}
