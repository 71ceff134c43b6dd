package com.doit.idp.server;

import com.doit.idp.role.MutableClock;
import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A real {@link IdpServer} on free 127.0.0.1 ports over an in-memory HSM, a hand-moved clock and an audit log in
 * memory, plus an HTTP client. Close it at the end of the test.
 */
public final class TestServer implements AutoCloseable {
  public static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
  public static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

  static {
    System.setProperty("org.jboss.logging.provider", "slf4j"); // as Main does: one log format
  }

  public final InMemoryRoleKeyStore store = new InMemoryRoleKeyStore();
  public final MutableClock clock;
  public final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
  public final IdpConfig config;
  /** The store the server uses: {@link #store} unless another one was given. */
  public final RoleKeyStore hsm;
  public final IdpServer server;
  public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  private TestServer(IdpConfig config, RoleKeyStore store, BooleanSupplier ssoReady, Instant start) {
    this(config, store, ssoReady, start, null);
  }

  private TestServer(IdpConfig config, RoleKeyStore store, BooleanSupplier ssoReady, Instant start,
      com.doit.idp.aws.Provisioner provisioner) {
    this.config = config;
    this.clock = new MutableClock(start);
    AuditLog log = new AuditLog() {
      @Override
      public void write(AuditEvent event) {
        audit.add(event);
      }

      @Override
      public void close() {}
    };
    this.hsm = store == null ? this.store : store;
    IdpServer.Builder b = IdpServer.builder(config).roleKeyStore(hsm).clock(clock)
        .auditLog(log);
    if (ssoReady != null) b.ssoKeysLoaded(ssoReady);
    if (provisioner != null) b.provisioner(provisioner);
    b.hookRetryBackoff(Duration.ofMillis(20)); // an answer's retries in tests: quick
    this.server = b.start();
    OpenApiContract.register(server);
  }

  /** With the admin API on, and the given extra configuration keys. */
  public static TestServer start(Path dir, Map<String, String> extra) {
    return start(dir, extra, () -> true);
  }

  /** With the admin API on and a provisioner for {@code "provision": true} and {@code ?deprovision=true}. */
  public static TestServer startProvisioning(Path dir, Map<String, String> extra, com.doit.idp.aws.Provisioner p) {
    return new TestServer(config(dir, extra, true), null, () -> true, START, p);
  }

  /** Over {@code store} (the in-memory HSM when null), with a provisioner: for the hook and the account API. */
  public static TestServer startWith(IdpConfig config, RoleKeyStore store, com.doit.idp.aws.Provisioner p) {
    return new TestServer(config, store, () -> true, START, p);
  }

  public static TestServer startWith(IdpConfig config) {
    return new TestServer(config, null, () -> true, START);
  }

  /** With the admin API on; readiness takes the SSO keys as loaded when {@code ssoReady} says so. */
  public static TestServer start(Path dir, Map<String, String> extra, BooleanSupplier ssoReady) {
    return new TestServer(config(dir, extra, true), null, ssoReady, START);
  }

  /**
   * The whole production wiring (real SSO verifier and token services) over {@code store}, or over the in-memory
   * HSM when it is null, with the clock at {@code start}.
   */
  public static TestServer production(IdpConfig config, RoleKeyStore store, Instant start) {
    return new TestServer(config, store, null, start);
  }

  /** A configuration for tests: free loopback ports, an SSO issuer that is never called, admin token in dir. */
  public static IdpConfig config(Path dir, Map<String, String> extra, boolean admin) {
    try {
      Map<String, String> env = new HashMap<>();
      env.put("IDP_HSM_PIN", "1234");
      env.put("IDP_HSM_TOKEN_LABEL", "test");
      env.put("IDP_LISTEN_PUBLIC", "127.0.0.1:0");
      env.put("IDP_LISTEN_TOKEN", "127.0.0.1:0");
      env.put("IDP_LISTEN_MANAGEMENT", "127.0.0.1:0");
      env.put("IDP_SSO_ISSUER", "https://sso.example.com");
      env.put("IDP_SSO_AUDIENCES", "aws-ops-idp");
      env.put("IDP_SSO_ALLOWED_DOMAINS", "doit.com");
      env.put("IDP_AUDIT_FILE", dir.resolve("audit.log").toString());
      if (admin) {
        Path tokenFile = dir.resolve("admin-token");
        Files.writeString(tokenFile, ADMIN_TOKEN + "\n");
        // admin.token-file must be the owner's alone
        Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        env.put("IDP_ADMIN_TOKEN_FILE", tokenFile.toString());
      }
      for (Map.Entry<String, String> e : extra.entrySet()) env.put(ConfigLoader.variableOf(e.getKey()), e.getValue());
      return ConfigLoader.load(Optional.empty(), env, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI url(String listener, String path) {
    return URI.create(server.url(listener) + path);
  }

  /** Sends a request; the response is held to docs/openapi.yaml ({@link OpenApiContract}). */
  public HttpResponse<String> send(HttpRequest request) {
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

  public HttpResponse<String> get(String listener, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url(listener, path)).GET();
    if (headers.length > 0) b.headers(headers);
    return send(b.build());
  }

  /** A role created through the role service path the admin API uses, with the directory refreshed. */
  public void createRole(String account, String engineer) {
    HttpResponse<String> r = send(admin("POST", "/admin/roles",
        "{\"account\":\"" + account + "\",\"engineer\":\"" + engineer + "\"}"));
    if (r.statusCode() != 201) throw new IllegalStateException("create failed: " + r.statusCode() + " " + r.body());
  }

  public HttpRequest admin(String method, String path, String jsonBody) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url("management", path))
        .header("Authorization", "Bearer " + ADMIN_TOKEN);
    if (jsonBody == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
    }
    return b.build();
  }

  public static Map<String, Object> json(HttpResponse<String> r) {
    try {
      return JSONObjectUtils.parse(r.body());
    } catch (java.text.ParseException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  public static RoleId role(String account, String engineer) {
    return new RoleId(account, engineer);
  }

  @Override
  public void close() {
    server.close();
  }
}
