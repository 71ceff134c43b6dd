package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local AWS STS and IAM for tests, speaking the query protocol on two loopback ports (the SDK's endpoint
 * overrides point there). This class is the wire: every request needs a SigV4 {@code Authorization} header and
 * {@code X-Amz-Date} (well-formed and scoped to the right region and service, not verified cryptographically), a
 * form body and known parameters; STS takes our long-term key (and an engineer's web-identity session for
 * {@code GetCallerIdentity}; {@code AssumeRoleWithWebIdentity} is unsigned: the token is the proof), IAM only the
 * temporary credentials STS handed out for a management role (access key and {@code X-Amz-Security-Token}). What
 * the services do is {@link FakeSts} (with {@link WebIdentitySts} for engineers' sessions, {@link #webIdentity()})
 * and {@link FakeIam}; each account's state is a {@link FakeAccount}. It also records every request and injects
 * faults on demand.
 *
 * <p>Thread-safe: one lock (this object) around every request and every state access. Close it after the test.
 * Public, in the test-jar, for the tests of the command line and the admin API.
 */
public final class FakeAws implements AutoCloseable {
  public static final String OUR_ACCOUNT = "999999999999";
  public static final String OUR_ACCESS_KEY = "AKIAOURSERVICE000001";
  public static final String OUR_SECRET = "our-secret-key-used-only-in-tests";
  public static final String REGION = "us-east-1";
  public static final int PROVIDER_QUOTA = FakeIam.PROVIDER_QUOTA;
  public static final String SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit";
  public static final String ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess";
  /** Our SNS topic, the stacks' {@code ServiceToken}. */
  public static final String OUR_TOPIC = "arn:aws:sns:us-east-1:" + OUR_ACCOUNT + ":aws-ops-idp-hooks";
  private static final int MAX_BODY = 64 * 1024;
  private static final Pattern AUTH = Pattern.compile(
      "AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})/(\\d{8})/([a-z0-9-]+)/([a-z]+)/aws4_request, ?"
      + "SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}");
  private static final Pattern AMZ_DATE = Pattern.compile("(\\d{8})T\\d{6}Z");

  /** One request as received: which service, action, parameters, and the error code answered (null: success). */
  public record Received(String service, String action, Map<String, String> params, String error) {
    public boolean isWrite() {
      return !(action.startsWith("Get") || action.startsWith("List"));
    }
  }

  /** An injected fault: fail the matching request with {@code code}. */
  private static final class Fault {
    final String action; // null: any IAM action
    int countdown; // fail when it reaches 1
    final String code;
    final boolean always;

    Fault(String action, int countdown, String code, boolean always) {
      this.action = action;
      this.countdown = countdown;
      this.code = code;
      this.always = always;
    }
  }

  static {
    // Answer without Nagle's delay: headers and body are separate writes, and loopback ACKs are delayed 40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer iamServer;
  private final HttpServer stsServer;
  private final ExecutorService executor;
  private final FakeIam iam;
  private final FakeSts sts;
  private final WebIdentitySts webIdentity = new WebIdentitySts(this);
  private final Map<String, FakeAccount> accounts = new LinkedHashMap<>();
  private final List<Received> received = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final Map<String, Consumer<FakeAccount>> interlopers = new LinkedHashMap<>();
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");
  private int ids;

  public FakeAws() throws IOException {
    this.iam = new FakeIam(this);
    this.sts = new FakeSts(this, webIdentity);
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fake-aws");
      t.setDaemon(true);
      return t;
    });
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    this.iamServer = HttpServer.create(loopback, 0);
    this.stsServer = HttpServer.create(loopback, 0);
    iamServer.createContext("/", ex -> serve(ex, "iam"));
    stsServer.createContext("/", ex -> serve(ex, "sts"));
    iamServer.setExecutor(executor);
    stsServer.setExecutor(executor);
    iamServer.start();
    stsServer.start();
  }

  public URI iamEndpoint() {
    return URI.create("http://127.0.0.1:" + iamServer.getAddress().getPort());
  }

  public URI stsEndpoint() {
    return URI.create("http://127.0.0.1:" + stsServer.getAddress().getPort());
  }

  /**
   * A customer account; {@code stack} true when the customer installed our CloudFormation stack, trusting our
   * account, without an external id ({@link FakeAccount#install} for other installations).
   */
  public synchronized FakeAccount account(String id, boolean stack) {
    FakeAccount a = accounts.computeIfAbsent(id, i -> new FakeAccount(this, i));
    return stack ? a.install(CustomerStack.load(), ourStack("")) : a.uninstall();
  }

  /** The parameters of our template as a customer fills them in: our account, our topic, {@code externalId}. */
  public static Map<String, String> ourStack(String externalId) {
    return Map.of("AccountNumberParameter", OUR_ACCOUNT, "ServiceToken", OUR_TOPIC, "ExternalId", externalId);
  }

  /** The parameters of the older (seed) template: our account and our topic; it has no external id. */
  public static Map<String, String> seedStack() {
    return Map.of("AccountNumberParameter", OUR_ACCOUNT, "ServiceToken", OUR_TOPIC);
  }

  public synchronized FakeAccount account(String id) {
    FakeAccount a = accounts.get(id);
    if (a == null) throw new IllegalArgumentException("no account " + id);
    return a;
  }

  /** STS's side for engineers: {@code AssumeRoleWithWebIdentity}, {@code GetCallerIdentity}. */
  public WebIdentitySts webIdentity() {
    return webIdentity;
  }

  synchronized FakeAccount accountOrNull(String id) {
    return accounts.get(id);
  }

  /** Fails the {@code n}th IAM request from now (1: the next one) with {@code code}, once. */
  public synchronized void failNth(int n, String code) {
    faults.add(new Fault(null, n, code, false));
  }

  /** Fails the next IAM request of {@code action} with {@code code}, once. */
  public synchronized void failNext(String action, String code) {
    faults.add(new Fault(action, 1, code, false));
  }

  /** Fails every IAM request of {@code action} with {@code code} until {@link #clearFaults()}. */
  public synchronized void failAlways(String action, String code) {
    faults.add(new Fault(action, 1, code, true));
  }

  /** Runs {@code change} just before the next IAM request of {@code action}: another writer got there first. */
  public synchronized void beforeNext(String action, Consumer<FakeAccount> change) {
    interlopers.put(action, change);
  }

  public synchronized void clearFaults() {
    faults.clear();
  }

  public synchronized List<Received> received() {
    return List.copyOf(received);
  }

  public synchronized List<String> iamActions() {
    return received.stream().filter(r -> r.service().equals("iam")).map(Received::action).toList();
  }

  public synchronized List<Received> iamWrites() {
    return received.stream().filter(r -> r.service().equals("iam") && r.error() == null && r.isWrite()).toList();
  }

  public synchronized void forgetReceived() {
    received.clear();
  }

  @Override
  public void close() {
    iamServer.stop(0);
    stsServer.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------ for FakeIam and FakeSts (lock held)

  /** Throws the first injected fault that matches this IAM action (throttling and outages come before anything). */
  void injectFault(String action) {
    for (Fault f : new ArrayList<>(faults)) {
      if (f.action != null && !f.action.equals(action)) continue;
      if (f.countdown > 1) {
        f.countdown--;
        continue;
      }
      if (!f.always) faults.remove(f);
      throw new AwsError(f.code, "injected fault: " + f.code);
    }
  }

  void runInterloper(String action, FakeAccount a) {
    Consumer<FakeAccount> interloper = interlopers.remove(action);
    if (interloper != null) interloper.accept(a);
  }

  Instant tick() {
    clock = clock.plusSeconds(1);
    return clock;
  }

  int nextNumber() {
    return ++ids;
  }

  String nextId(String prefix) {
    return prefix + String.format("%017d", nextNumber());
  }

  static String meta() {
    return "<ResponseMetadata>" + el("RequestId", requestId()) + "</ResponseMetadata>";
  }

  private static String requestId() {
    return java.util.UUID.randomUUID().toString();
  }

  // ------------------------------------------------------------------ HTTP

  private void serve(HttpExchange ex, String service) throws IOException {
    String xml;
    int status = 200;
    try (ex) {
      synchronized (this) {
        AwsQuery q = null;
        try {
          q = read(ex);
          // AssumeRoleWithWebIdentity is unsigned: the web-identity token is the proof.
          boolean unsigned = service.equals("sts") && q.action().equals("AssumeRoleWithWebIdentity");
          String accessKey = unsigned ? null : authenticate(ex, service);
          xml = service.equals("sts") ? sts.handle(q, accessKey) : iam.handle(q, accounts.get(sts.session(accessKey).account()));
          received.add(new Received(service, q.action(), q.params, null));
        } catch (AwsError e) {
          status = e.status();
          xml = "<ErrorResponse xmlns=\"" + (service.equals("sts") ? FakeSts.NS : FakeIam.NS) + "\"><Error><Type>"
              + e.type() + "</Type>" + el("Code", e.code) + el("Message", e.getMessage()) + "</Error>"
              + el("RequestId", requestId()) + "</ErrorResponse>";
          received.add(new Received(service, q == null ? "" : q.action(), q == null ? Map.of() : q.params, e.code));
        }
      }
      byte[] body = xml.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/xml");
      ex.getResponseHeaders().set("x-amzn-RequestId", requestId());
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static AwsQuery read(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) throw new AwsError("InvalidAction", "the query protocol is POSTed here");
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      throw new AwsError("MalformedQueryString", "Content-Type must be application/x-www-form-urlencoded");
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) throw new AwsError("RequestEntityTooLarge", "request body too large");
    return AwsQuery.parse(new String(body, StandardCharsets.UTF_8));
  }

  /** SigV4 must be present and well-formed, and name the right service and region; returns the access key. */
  private String authenticate(HttpExchange ex, String service) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null) throw new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token");
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) throw new AwsError("IncompleteSignature", "Authorization header is not a SigV4 signature");
    String date = ex.getRequestHeaders().getFirst("X-Amz-Date");
    Matcher d = date == null ? null : AMZ_DATE.matcher(date);
    if (d == null || !d.matches() || !d.group(1).equals(m.group(2))) {
      throw new AwsError("IncompleteSignature", "X-Amz-Date missing or not the credential scope's date");
    }
    if (!m.group(3).equals(REGION) || !m.group(4).equals(service)) {
      throw new AwsError("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service "
          + service + ", not " + m.group(3) + "/" + m.group(4));
    }
    Set<String> signed = Set.of(m.group(5).split(";"));
    if (!signed.contains("host") || !signed.contains("x-amz-date")) {
      throw new AwsError("SignatureDoesNotMatch", "host and x-amz-date must be signed");
    }
    String key = m.group(1);
    String token = ex.getRequestHeaders().getFirst("X-Amz-Security-Token");
    if (service.equals("sts")) {
      boolean engineer = webIdentity.authenticates(key, token) && signed.contains("x-amz-security-token");
      if (!key.equals(OUR_ACCESS_KEY) && !engineer) {
        throw new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.");
      }
      return key;
    }
    FakeSts.Session session = sts.session(key);
    if (session == null || token == null || !token.equals(session.token()) || !signed.contains("x-amz-security-token")) {
      // IAM calls must come from the assumed management role, never from our own long-term key.
      throw new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.");
    }
    return key;
  }
}
