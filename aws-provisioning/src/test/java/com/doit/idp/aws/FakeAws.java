package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;
import static com.doit.idp.aws.AwsQuery.escapedMembers;
import static com.doit.idp.aws.AwsQuery.members;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local AWS STS and IAM for tests, speaking the query protocol on two loopback ports (the SDK's endpoint
 * overrides point there). It behaves as the real services do where provisioning can tell:
 * <ul>
 *   <li>STS {@code AssumeRole} only for our long-term key, only into an account that has the customer stack, only
 *       the stack's management role; it hands out temporary credentials that IAM then requires (access key and
 *       {@code X-Amz-Security-Token});</li>
 *   <li>every request needs a SigV4 {@code Authorization} header and {@code X-Amz-Date} (not verified
 *       cryptographically), a form body, the right {@code Version}, known parameters only;</li>
 *   <li>every IAM call is authorized against the policy of our CloudFormation template
 *       ({@link CustomerStack}); tags need {@code iam:Tag*} as on IAM, so they are denied;</li>
 *   <li>IAM's validation: names and paths, ARNs, policy documents (JSON, shape, size, principals that must exist),
 *       provider URLs (https, no port, no query), client ids, thumbprints, quotas and conflicts, answered with IAM's
 *       error codes and XML shapes;</li>
 *   <li>state kept across calls, per account; faults injected on demand;</li>
 *   <li>STS {@code AssumeRoleWithWebIdentity} and {@code GetCallerIdentity} for engineers' sessions: see
 *       {@link WebIdentitySts} ({@link #webIdentity()}).</li>
 * </ul>
 * Thread-safe (one lock); close it after the test. Public, in the test-jar, for the tests of the command line and
 * the admin API.
 */
public final class FakeAws implements AutoCloseable {
  public static final String OUR_ACCOUNT = "999999999999";
  public static final String OUR_ACCESS_KEY = "AKIAOURSERVICE000001";
  public static final String OUR_SECRET = "our-secret-key-used-only-in-tests";
  public static final String REGION = "us-east-1";
  public static final int PROVIDER_QUOTA = 100;
  public static final String SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit";
  public static final String ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess";
  private static final Set<String> AWS_MANAGED = Set.of(SECURITY_AUDIT, ADMINISTRATOR_ACCESS,
      "arn:aws:iam::aws:policy/AWSSupportAccess");
  private static final String IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
  private static final String STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final int MAX_BODY = 64 * 1024;
  private static final Pattern NAME = Pattern.compile("[\\w+=,.@-]+");
  private static final Pattern PATH = Pattern.compile("/|/[\\u0021-\\u007E]+/");
  private static final Pattern AUTH = Pattern.compile(
      "AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})/(\\d{8})/([a-z0-9-]+)/([a-z]+)/aws4_request, ?"
      + "SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}");
  private static final Pattern AMZ_DATE = Pattern.compile("(\\d{8})T\\d{6}Z");
  private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/((?:/?[\\w+=,.@-]+)+)");
  private static final Pattern POLICY_ARN = Pattern.compile("arn:aws:iam::(\\d{12}|aws):policy/([\\u0021-\\u007E]+)");
  private static final Pattern PROVIDER_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):oidc-provider/(.+)");
  private static final Pattern THUMBPRINT = Pattern.compile("[0-9A-Fa-f]{40}");
  private static final Pattern VERSION_ID = Pattern.compile("v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
  private static final Pattern SERVICE_ACTION = Pattern.compile("[a-z0-9-]+:[A-Za-z0-9*?]+|\\*");
  private static final Set<String> CONDITION_OPERATORS = Set.of("StringEquals", "StringNotEquals", "StringLike",
      "StringNotLike", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals", "ForAllValues:StringEquals", "Bool",
      "ArnEquals", "ArnLike", "IpAddress", "NumericEquals", "DateGreaterThan", "DateLessThan", "Null");

  /** An IAM or STS error answer: code, message, and the HTTP status and type IAM uses for that code. */
  static final class IamError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;

    IamError(String code, String message) {
      super(message);
      this.code = code;
    }

    int status() {
      return switch (code) {
        case "NoSuchEntity" -> 404;
        case "EntityAlreadyExists", "LimitExceeded", "DeleteConflict", "ConcurrentModification" -> 409;
        case "AccessDenied", "InvalidClientTokenId", "MissingAuthenticationToken", "SignatureDoesNotMatch",
            "ExpiredToken" -> 403;
        case "ServiceFailure", "InternalFailure" -> 500;
        case "ServiceUnavailable" -> 503;
        default -> 400;
      };
    }

    String type() {
      return status() >= 500 ? "Receiver" : "Sender";
    }
  }

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

  public record Provider(String url, List<String> clientIds, List<String> thumbprints, Instant created) {}

  public static final class PolicyVersionState {
    final String id;
    final String document;
    final Instant created;

    PolicyVersionState(String id, String document, Instant created) {
      this.id = id;
      this.document = document;
      this.created = created;
    }
  }

  public static final class ManagedPolicyState {
    final String name;
    final String path;
    final String arn;
    final String id;
    final String description;
    final Instant created;
    final List<PolicyVersionState> versions = new ArrayList<>();
    String defaultVersion;
    int nextVersion = 1;

    ManagedPolicyState(String name, String path, String arn, String id, String description, Instant created) {
      this.name = name;
      this.path = path;
      this.arn = arn;
      this.id = id;
      this.description = description;
      this.created = created;
    }

    PolicyVersionState version(String id) {
      return versions.stream().filter(v -> v.id.equals(id)).findFirst().orElse(null);
    }
  }

  public static final class RoleState {
    final String name;
    final String path;
    final String arn;
    final String id;
    final String trust;
    final String description;
    final int maxSession;
    final Instant created;
    final List<String> attached = new ArrayList<>();
    final Map<String, String> inline = new LinkedHashMap<>();

    RoleState(String name, String path, String arn, String id, String trust, String description, int maxSession,
        Instant created) {
      this.name = name;
      this.path = path;
      this.arn = arn;
      this.id = id;
      this.trust = trust;
      this.description = description;
      this.maxSession = maxSession;
      this.created = created;
    }
  }

  /** One customer account's IAM. */
  public final class Account {
    final String id;
    boolean stackInstalled;
    final Map<String, Provider> providers = new LinkedHashMap<>(); // by ARN
    final Map<String, ManagedPolicyState> policies = new LinkedHashMap<>(); // by ARN
    final Map<String, RoleState> roles = new LinkedHashMap<>(); // by name

    Account(String id) {
      this.id = id;
    }

    /** Providers the customer made for other purposes; they count against the quota. */
    public Account withForeignProviders(int n) {
      synchronized (FakeAws.this) {
        for (int i = providers.size(); n > 0; i++, n--) {
          String url = "https://token.actions.example.org/customer-" + i;
          providers.put(providerArn(id, url), new Provider(url, List.of("sts.amazonaws.com"), List.of(), tick()));
        }
      }
      return this;
    }

    /** A role the customer made, bypassing our validation (the customer's own business). */
    public RoleState putRole(String name, String trustJson, String... attachedArns) {
      synchronized (FakeAws.this) {
        RoleState r = new RoleState(name, "/", "arn:aws:iam::" + id + ":role/" + name, nextId("AROA"), trustJson,
            "", 3600, tick());
        r.attached.addAll(List.of(attachedArns));
        roles.put(name, r);
        return r;
      }
    }

    public Provider provider(String arn) {
      synchronized (FakeAws.this) {
        return providers.get(arn);
      }
    }

    public RoleState role(String name) {
      synchronized (FakeAws.this) {
        return roles.get(name);
      }
    }

    public ManagedPolicyState policy(String arn) {
      synchronized (FakeAws.this) {
        return policies.get(arn);
      }
    }

    public int providerCount() {
      synchronized (FakeAws.this) {
        return providers.size();
      }
    }
  }

  static {
    // Answer without Nagle's delay: headers and body are separate writes, and loopback ACKs are delayed 40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer iam;
  private final HttpServer sts;
  private final ExecutorService executor;
  private final Map<String, Account> accounts = new LinkedHashMap<>();
  private final Map<String, String[]> sessions = new LinkedHashMap<>(); // access key -> {account, token}
  private final WebIdentitySts webIdentity = new WebIdentitySts(this);
  private final List<Received> received = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final Map<String, java.util.function.Consumer<Account>> interlopers = new LinkedHashMap<>();
  private final List<Map<String, Object>> allowStatements;
  private final String managementRoleName;
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");
  private int ids;

  public FakeAws() throws IOException {
    CustomerStack stack = CustomerStack.load();
    this.managementRoleName = stack.managementRoleName();
    this.allowStatements = statements(stack.policyDocument());
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fake-aws");
      t.setDaemon(true);
      return t;
    });
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    this.iam = HttpServer.create(loopback, 0);
    this.sts = HttpServer.create(loopback, 0);
    iam.createContext("/", ex -> serve(ex, "iam"));
    sts.createContext("/", ex -> serve(ex, "sts"));
    iam.setExecutor(executor);
    sts.setExecutor(executor);
    iam.start();
    sts.start();
  }

  public URI iamEndpoint() {
    return URI.create("http://127.0.0.1:" + iam.getAddress().getPort());
  }

  public URI stsEndpoint() {
    return URI.create("http://127.0.0.1:" + sts.getAddress().getPort());
  }

  /** A customer account; {@code stack} true when the customer installed our CloudFormation stack. */
  public synchronized Account account(String id, boolean stack) {
    Account a = accounts.computeIfAbsent(id, Account::new);
    a.stackInstalled = stack;
    return a;
  }

  /** STS's side for engineers: {@code AssumeRoleWithWebIdentity}, {@code GetCallerIdentity}. */
  public WebIdentitySts webIdentity() {
    return webIdentity;
  }

  synchronized Account accountOrNull(String id) {
    return accounts.get(id);
  }

  public synchronized Account account(String id) {
    Account a = accounts.get(id);
    if (a == null) throw new IllegalArgumentException("no account " + id);
    return a;
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
  public synchronized void beforeNext(String action, java.util.function.Consumer<Account> change) {
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
    iam.stop(0);
    sts.stop(0);
    executor.shutdownNow();
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
          xml = service.equals("sts") ? sts(q, accessKey) : iam(q, accessKey);
          received.add(new Received(service, q.action(), q.params, null));
        } catch (IamError e) {
          status = e.status();
          xml = "<ErrorResponse xmlns=\"" + (service.equals("sts") ? STS_NS : IAM_NS) + "\"><Error><Type>" + e.type()
              + "</Type>" + el("Code", e.code) + el("Message", e.getMessage()) + "</Error>"
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
    if (!"POST".equals(ex.getRequestMethod())) throw new IamError("InvalidAction", "the query protocol is POSTed here");
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      throw new IamError("MalformedQueryString", "Content-Type must be application/x-www-form-urlencoded");
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) throw new IamError("RequestEntityTooLarge", "request body too large");
    return AwsQuery.parse(new String(body, StandardCharsets.UTF_8));
  }

  /** SigV4 must be present and well-formed, and name the right service and region; returns the access key. */
  private String authenticate(HttpExchange ex, String service) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null) throw new IamError("MissingAuthenticationToken", "Request is missing Authentication Token");
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) throw new IamError("IncompleteSignature", "Authorization header is not a SigV4 signature");
    String date = ex.getRequestHeaders().getFirst("X-Amz-Date");
    Matcher d = date == null ? null : AMZ_DATE.matcher(date);
    if (d == null || !d.matches() || !d.group(1).equals(m.group(2))) {
      throw new IamError("IncompleteSignature", "X-Amz-Date missing or not the credential scope's date");
    }
    if (!m.group(3).equals(REGION) || !m.group(4).equals(service)) {
      throw new IamError("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service "
          + service + ", not " + m.group(3) + "/" + m.group(4));
    }
    Set<String> signed = Set.of(m.group(5).split(";"));
    if (!signed.contains("host") || !signed.contains("x-amz-date")) {
      throw new IamError("SignatureDoesNotMatch", "host and x-amz-date must be signed");
    }
    String key = m.group(1);
    if (service.equals("sts")) {
      String token = ex.getRequestHeaders().getFirst("X-Amz-Security-Token");
      boolean engineer = webIdentity.authenticates(key, token) && signed.contains("x-amz-security-token");
      if (!key.equals(OUR_ACCESS_KEY) && !engineer) {
        throw new IamError("InvalidClientTokenId", "The security token included in the request is invalid.");
      }
      return key;
    }
    String[] session = sessions.get(key);
    String token = ex.getRequestHeaders().getFirst("X-Amz-Security-Token");
    if (session == null || token == null || !token.equals(session[1]) || !signed.contains("x-amz-security-token")) {
      // IAM calls must come from the assumed management role, never from our own long-term key.
      throw new IamError("InvalidClientTokenId", "The security token included in the request is invalid.");
    }
    return key;
  }

  // ------------------------------------------------------------------ STS

  private String sts(AwsQuery q, String accessKey) {
    if (!"2011-06-15".equals(q.optional("Version"))) throw new IamError("InvalidAction", "unsupported Version");
    if (q.action().equals("AssumeRoleWithWebIdentity")) return webIdentity.assume(q);
    if (q.action().equals("GetCallerIdentity")) {
      if (webIdentity.isSession(accessKey)) return webIdentity.callerIdentity(q, accessKey);
      q.only(Set.of());
      return "<GetCallerIdentityResponse xmlns=\"" + STS_NS + "\"><GetCallerIdentityResult>"
          + el("Arn", "arn:aws:iam::" + OUR_ACCOUNT + ":user/aws-ops-idp") + el("UserId", "AIDAOURSERVICE")
          + el("Account", OUR_ACCOUNT) + "</GetCallerIdentityResult>" + meta() + "</GetCallerIdentityResponse>";
    }
    if (!q.action().equals("AssumeRole")) throw new IamError("InvalidAction", "Could not find operation " + q.action());
    if (webIdentity.isSession(accessKey)) {
      throw new IamError("AccessDenied", "an engineer's session may not assume the management role");
    }
    q.only(Set.of("RoleArn", "RoleSessionName", "DurationSeconds"));
    String roleArn = q.required("RoleArn");
    String sessionName = q.required("RoleSessionName");
    if (roleArn.length() < 20 || roleArn.length() > 2048) throw new IamError("ValidationError", "RoleArn length");
    if (!sessionName.matches("[\\w+=,.@-]{2,64}")) throw new IamError("ValidationError", "RoleSessionName must be 2..64 of [\\w+=,.@-]");
    int duration = q.optional("DurationSeconds") == null ? 3600 : Integer.parseInt(q.optional("DurationSeconds"));
    if (duration < 900 || duration > 3600) {
      throw new IamError("ValidationError", "DurationSeconds must be 900..3600 for this role");
    }
    Matcher m = ROLE_ARN.matcher(roleArn);
    if (!m.matches()) throw new IamError("ValidationError", roleArn + " is not a valid role ARN");
    Account a = accounts.get(m.group(1));
    if (a == null || !a.stackInstalled || !m.group(2).equals(managementRoleName)) {
      throw new IamError("AccessDenied", "User: arn:aws:iam::" + OUR_ACCOUNT + ":user/aws-ops-idp is not authorized "
          + "to perform: sts:AssumeRole on resource: " + roleArn);
    }
    String key = "ASIA" + String.format("%016d", ++ids);
    String token = "FQoGZXIvYXdzE" + ids + "session-token";
    sessions.put(key, new String[] {a.id, token});
    return "<AssumeRoleResponse xmlns=\"" + STS_NS + "\"><AssumeRoleResult><Credentials>"
        + el("AccessKeyId", key) + el("SecretAccessKey", "secret-" + ids) + el("SessionToken", token)
        + el("Expiration", Instant.now().plusSeconds(duration).toString()) + "</Credentials><AssumedRoleUser>"
        + el("AssumedRoleId", "AROAMANAGEMENT:" + sessionName)
        + el("Arn", "arn:aws:sts::" + a.id + ":assumed-role/" + managementRoleName + "/" + sessionName)
        + "</AssumedRoleUser></AssumeRoleResult>" + meta() + "</AssumeRoleResponse>";
  }

  // ------------------------------------------------------------------ IAM

  private String iam(AwsQuery q, String accessKey) {
    if (!"2010-05-08".equals(q.optional("Version"))) throw new IamError("InvalidAction", "unsupported Version");
    Account a = accounts.get(sessions.get(accessKey)[0]);
    String action = q.action();
    java.util.function.Consumer<Account> interloper = interlopers.remove(action);
    if (interloper != null) interloper.accept(a);
    String result = switch (action) {
      case "ListOpenIDConnectProviders" -> listProviders(a, q);
      case "GetOpenIDConnectProvider" -> getProvider(a, q);
      case "CreateOpenIDConnectProvider" -> createProvider(a, q);
      case "UpdateOpenIDConnectProviderThumbprint" -> updateThumbprint(a, q);
      case "DeleteOpenIDConnectProvider" -> deleteProvider(a, q);
      case "GetPolicy" -> getPolicy(a, q);
      case "CreatePolicy" -> createPolicy(a, q);
      case "GetPolicyVersion" -> getPolicyVersion(a, q);
      case "ListPolicyVersions" -> listPolicyVersions(a, q);
      case "CreatePolicyVersion" -> createPolicyVersion(a, q);
      case "DeletePolicyVersion" -> deletePolicyVersion(a, q);
      case "DeletePolicy" -> deletePolicy(a, q);
      case "ListEntitiesForPolicy" -> listEntitiesForPolicy(a, q);
      case "GetRole" -> getRole(a, q);
      case "CreateRole" -> createRole(a, q);
      case "DeleteRole" -> deleteRole(a, q);
      case "ListRolePolicies" -> listRolePolicies(a, q);
      case "ListAttachedRolePolicies" -> listAttachedRolePolicies(a, q);
      case "AttachRolePolicy" -> attachRolePolicy(a, q, true);
      case "DetachRolePolicy" -> attachRolePolicy(a, q, false);
      default -> notImplemented(a, q);
    };
    return "<" + action + "Response xmlns=\"" + IAM_NS + "\">" + result + meta() + "</" + action + "Response>";
  }

  /**
   * An action the fake does not model: IAM would authorize it first, and the template never allows any of them, so
   * the answer is AccessDenied as on IAM; should the template ever allow one, the test fails loudly instead.
   */
  private String notImplemented(Account a, AwsQuery q) {
    if (!q.action().matches("[A-Z][A-Za-z]{2,63}")) throw new IamError("InvalidAction", "Could not find operation " + q.action());
    String resource = q.optional("RoleName") != null ? roleArnFor(a, q.optional("RoleName"))
        : q.optional("PolicyArn") != null ? q.optional("PolicyArn")
        : q.optional("OpenIDConnectProviderArn") != null ? q.optional("OpenIDConnectProviderArn") : "*";
    authorize(a, q, resource);
    throw new IamError("InvalidAction", "the fake does not implement " + q.action());
  }

  /** Faults first (throttling and outages come before anything else), then IAM's authorization. */
  private void authorize(Account a, AwsQuery q, String resourceArn, String... extraActions) {
    for (Fault f : new ArrayList<>(faults)) {
      if (f.action != null && !f.action.equals(q.action())) continue;
      if (f.countdown > 1) {
        f.countdown--;
        continue;
      }
      if (!f.always) faults.remove(f);
      throw new IamError(f.code, "injected fault: " + f.code);
    }
    List<String> needed = new ArrayList<>();
    needed.add("iam:" + q.action());
    needed.addAll(List.of(extraActions));
    for (String action : needed) {
      if (!allowed(a.id, action, resourceArn)) {
        throw new IamError("AccessDenied", "User: arn:aws:sts::" + a.id + ":assumed-role/" + managementRoleName
            + "/session is not authorized to perform: " + action + " on resource: " + resourceArn
            + " because no identity-based policy allows the " + action + " action");
      }
    }
  }

  private static List<Map<String, Object>> statements(Map<String, Object> document) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object s : asList(document.get("Statement"))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) s;
      out.add(m);
    }
    return out;
  }

  private boolean allowed(String account, String action, String resource) {
    for (Map<String, Object> s : allowStatements) {
      if (!"Allow".equals(s.get("Effect"))) continue;
      boolean act = asList(s.get("Action")).stream().anyMatch(x -> wildcard(String.valueOf(x).toLowerCase(Locale.ROOT), 0,
          action.toLowerCase(Locale.ROOT), 0));
      if (!act) continue;
      for (Object r : asList(s.get("Resource"))) {
        String p = String.valueOf(r).replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", account);
        if (wildcard(p, 0, resource, 0)) return true;
      }
    }
    return false;
  }

  /** IAM's {@code *} and {@code ?}, by recursion (independent of the code under test's matcher). */
  private static boolean wildcard(String p, int i, String s, int j) {
    if (i == p.length()) return j == s.length();
    char c = p.charAt(i);
    if (c == '*') {
      for (int k = j; k <= s.length(); k++) if (wildcard(p, i + 1, s, k)) return true;
      return false;
    }
    return j < s.length() && (c == '?' || c == s.charAt(j)) && wildcard(p, i + 1, s, j + 1);
  }

  private static List<?> asList(Object o) {
    return o instanceof List<?> l ? l : o == null ? List.of() : List.of(o);
  }

  // --- OIDC providers

  private String listProviders(Account a, AwsQuery q) {
    q.only(Set.of());
    authorize(a, q, "*");
    List<String> members = a.providers.keySet().stream().map(arn -> el("Arn", arn)).toList();
    return "<ListOpenIDConnectProvidersResult>" + members("OpenIDConnectProviderList", members)
        + "</ListOpenIDConnectProvidersResult>";
  }

  private String providerArnParam(Account a, AwsQuery q) {
    String arn = q.required("OpenIDConnectProviderArn");
    if (arn.length() < 20 || arn.length() > 2048 || !PROVIDER_ARN.matcher(arn).matches()) {
      throw new IamError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  private Provider existingProvider(Account a, String arn) {
    Provider p = a.providers.get(arn);
    if (p == null) throw new IamError("NoSuchEntity", "OpenIDConnect Provider not found for arn " + arn);
    return p;
  }

  private String getProvider(Account a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    authorize(a, q, arn);
    Provider p = existingProvider(a, arn);
    return "<GetOpenIDConnectProviderResult>" + escapedMembers("ThumbprintList", p.thumbprints())
        + el("CreateDate", p.created()) + escapedMembers("ClientIDList", p.clientIds())
        + el("Url", p.url().substring("https://".length())) + "</GetOpenIDConnectProviderResult>";
  }

  private String createProvider(Account a, AwsQuery q) {
    q.only(Set.of("Url", "ClientIDList", "ThumbprintList", "Tags"));
    String url = q.required("Url");
    if (url.isEmpty() || url.length() > 255) throw new IamError("ValidationError", "Url must be 1..255 characters");
    URI u;
    try {
      u = new URI(url);
    } catch (Exception e) {
      throw new IamError("InvalidInput", "Invalid URL: " + url);
    }
    if (!"https".equals(u.getScheme()) || u.getHost() == null) throw new IamError("InvalidInput", "The URL must begin with https://");
    if (u.getPort() != -1) throw new IamError("InvalidInput", "The URL must not contain a port");
    if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new IamError("InvalidInput", "The URL must not contain a query, fragment or user");
    }
    List<String> clientIds = q.list("ClientIDList");
    if (clientIds.size() > 100) throw new IamError("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
    for (String c : clientIds) {
      if (c.isEmpty() || c.length() > 255) throw new IamError("ValidationError", "each client id must be 1..255 characters");
    }
    List<String> thumbprints = thumbprints(q, false);
    String arn = providerArn(a.id, url);
    authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagOpenIDConnectProvider"} : new String[0]);
    if (a.providers.containsKey(arn)) throw new IamError("EntityAlreadyExists", "Provider with url " + url + " already exists.");
    if (a.providers.size() >= PROVIDER_QUOTA) {
      throw new IamError("LimitExceeded", "Cannot exceed quota for OpenIdConnectProvidersPerAccount: " + PROVIDER_QUOTA);
    }
    a.providers.put(arn, new Provider(url, List.copyOf(clientIds), thumbprints, tick()));
    return "<CreateOpenIDConnectProviderResult>" + el("OpenIDConnectProviderArn", arn) + "</CreateOpenIDConnectProviderResult>";
  }

  private static List<String> thumbprints(AwsQuery q, boolean required) {
    List<String> t = q.list("ThumbprintList");
    if (required && t.isEmpty()) throw new IamError("ValidationError", "ThumbprintList must not be null");
    if (t.size() > 5) throw new IamError("LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5");
    for (String s : t) {
      if (!THUMBPRINT.matcher(s).matches()) throw new IamError("ValidationError", "each thumbprint must be 40 hex characters");
    }
    return List.copyOf(t);
  }

  private String updateThumbprint(Account a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn", "ThumbprintList"));
    String arn = providerArnParam(a, q);
    List<String> t = thumbprints(q, true);
    authorize(a, q, arn);
    Provider p = existingProvider(a, arn);
    a.providers.put(arn, new Provider(p.url(), p.clientIds(), t, p.created()));
    return "";
  }

  private String deleteProvider(Account a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    authorize(a, q, arn);
    existingProvider(a, arn);
    a.providers.remove(arn);
    return "";
  }

  static String providerArn(String account, String url) {
    return "arn:aws:iam::" + account + ":oidc-provider/" + url.substring("https://".length());
  }

  // --- managed policies

  private String policyArnParam(AwsQuery q) {
    String arn = q.required("PolicyArn");
    if (arn.length() < 20 || arn.length() > 2048 || !POLICY_ARN.matcher(arn).matches()) {
      throw new IamError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  private ManagedPolicyState existingPolicy(Account a, String arn) {
    ManagedPolicyState p = a.policies.get(arn);
    if (p == null) throw new IamError("NoSuchEntity", "Policy " + arn + " does not exist or is not attachable.");
    return p;
  }

  private String policyXml(Account a, ManagedPolicyState p) {
    long attachments = a.roles.values().stream().filter(r -> r.attached.contains(p.arn)).count();
    return "<Policy>" + el("PolicyName", p.name) + el("DefaultVersionId", p.defaultVersion) + el("PolicyId", p.id)
        + el("Path", p.path) + el("Arn", p.arn) + el("AttachmentCount", attachments)
        + el("PermissionsBoundaryUsageCount", 0) + el("IsAttachable", true)
        + (p.description == null ? "" : el("Description", p.description))
        + el("CreateDate", p.created) + el("UpdateDate", p.created) + "</Policy>";
  }

  private String getPolicy(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    return "<GetPolicyResult>" + policyXml(a, existingPolicy(a, arn)) + "</GetPolicyResult>";
  }

  private String createPolicy(Account a, AwsQuery q) {
    q.only(Set.of("PolicyName", "Path", "PolicyDocument", "Description", "Tags"));
    String name = name(q.required("PolicyName"), 128, "policyName");
    String path = path(q.optional("Path"));
    String document = q.required("PolicyDocument");
    String description = q.optional("Description");
    if (description != null && description.length() > 1000) throw new IamError("ValidationError", "Description longer than 1000");
    String arn = "arn:aws:iam::" + a.id + ":policy" + path + name;
    authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagPolicy"} : new String[0]);
    identityPolicy(document);
    if (a.policies.containsKey(arn)) {
      throw new IamError("EntityAlreadyExists", "A policy called " + name + " already exists. Duplicate names are not allowed.");
    }
    ManagedPolicyState p = new ManagedPolicyState(name, path, arn, nextId("ANPA"), description, tick());
    p.versions.add(new PolicyVersionState("v1", document, p.created));
    p.defaultVersion = "v1";
    p.nextVersion = 2;
    a.policies.put(arn, p);
    return "<CreatePolicyResult>" + policyXml(a, p) + "</CreatePolicyResult>";
  }

  private String versionXml(ManagedPolicyState p, PolicyVersionState v, boolean withDocument) {
    return (withDocument ? el("Document", urlEncode(v.document)) : "") + el("VersionId", v.id)
        + el("IsDefaultVersion", v.id.equals(p.defaultVersion)) + el("CreateDate", v.created);
  }

  private String getPolicyVersion(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    authorize(a, q, arn);
    ManagedPolicyState p = existingPolicy(a, arn);
    PolicyVersionState v = p.version(id);
    if (v == null) throw new IamError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist or is not attachable.");
    return "<GetPolicyVersionResult><PolicyVersion>" + versionXml(p, v, true) + "</PolicyVersion></GetPolicyVersionResult>";
  }

  private static String versionId(AwsQuery q) {
    String id = q.required("VersionId");
    if (!VERSION_ID.matcher(id).matches()) throw new IamError("ValidationError", "VersionId " + id + " is not valid");
    return id;
  }

  private String listPolicyVersions(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    ManagedPolicyState p = existingPolicy(a, arn);
    List<String> members = p.versions.stream().map(v -> versionXml(p, v, false)).toList();
    return "<ListPolicyVersionsResult>" + members("Versions", members) + el("IsTruncated", false)
        + "</ListPolicyVersionsResult>";
  }

  private String createPolicyVersion(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "PolicyDocument", "SetAsDefault"));
    String arn = policyArnParam(q);
    String document = q.required("PolicyDocument");
    String setAsDefault = q.optional("SetAsDefault");
    if (setAsDefault != null && !setAsDefault.equals("true") && !setAsDefault.equals("false")) {
      throw new IamError("ValidationError", "SetAsDefault must be a boolean");
    }
    authorize(a, q, arn);
    ManagedPolicyState p = existingPolicy(a, arn);
    identityPolicy(document);
    if (p.versions.size() >= 5) {
      throw new IamError("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, "
          + "you must delete an existing version.");
    }
    PolicyVersionState v = new PolicyVersionState("v" + p.nextVersion++, document, tick());
    p.versions.add(v);
    if ("true".equals(setAsDefault)) p.defaultVersion = v.id;
    return "<CreatePolicyVersionResult><PolicyVersion>" + versionXml(p, v, false) + "</PolicyVersion></CreatePolicyVersionResult>";
  }

  private String deletePolicyVersion(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    authorize(a, q, arn);
    ManagedPolicyState p = existingPolicy(a, arn);
    PolicyVersionState v = p.version(id);
    if (v == null) throw new IamError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist.");
    if (id.equals(p.defaultVersion)) throw new IamError("DeleteConflict", "Cannot delete the default version of a policy.");
    p.versions.remove(v);
    return "";
  }

  private String deletePolicy(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    ManagedPolicyState p = existingPolicy(a, arn);
    if (a.roles.values().stream().anyMatch(r -> r.attached.contains(arn))) {
      throw new IamError("DeleteConflict", "Cannot delete a policy attached to entities.");
    }
    if (p.versions.size() > 1) {
      throw new IamError("DeleteConflict", "This policy has more than one version. Before you delete a policy, you "
          + "must delete the policy's versions. The default version is deleted with the policy.");
    }
    a.policies.remove(arn);
    return "";
  }

  private String listEntitiesForPolicy(Account a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "EntityFilter", "PathPrefix", "PolicyUsageFilter", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    existingPolicy(a, arn);
    List<String> roles = a.roles.values().stream().filter(r -> r.attached.contains(arn))
        .map(r -> el("RoleName", r.name) + el("RoleId", r.id)).toList();
    return "<ListEntitiesForPolicyResult>" + members("PolicyRoles", roles) + members("PolicyGroups", List.of())
        + members("PolicyUsers", List.of()) + el("IsTruncated", false) + "</ListEntitiesForPolicyResult>";
  }

  // --- roles

  private String roleArnFor(Account a, String name) {
    RoleState r = a.roles.get(name);
    return r != null ? r.arn : "arn:aws:iam::" + a.id + ":role/" + name;
  }

  private RoleState existingRole(Account a, String name) {
    RoleState r = a.roles.get(name);
    if (r == null) throw new IamError("NoSuchEntity", "The role with name " + name + " cannot be found.");
    return r;
  }

  private String roleXml(RoleState r) {
    return "<Role>" + el("Path", r.path) + el("RoleName", r.name) + el("RoleId", r.id) + el("Arn", r.arn)
        + el("CreateDate", r.created) + el("AssumeRolePolicyDocument", urlEncode(r.trust))
        + (r.description.isEmpty() ? "" : el("Description", r.description)) + el("MaxSessionDuration", r.maxSession)
        + "</Role>";
  }

  private String getRole(Account a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    return "<GetRoleResult>" + roleXml(existingRole(a, name)) + "</GetRoleResult>";
  }

  private String createRole(Account a, AwsQuery q) {
    q.only(Set.of("RoleName", "Path", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration",
        "PermissionsBoundary", "Tags"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String path = path(q.optional("Path"));
    String trust = q.required("AssumeRolePolicyDocument");
    String description = q.optional("Description") == null ? "" : q.optional("Description");
    if (description.length() > 1000 || !description.matches("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*")) {
      throw new IamError("ValidationError", "Description must be at most 1000 printable characters");
    }
    int maxSession = 3600;
    if (q.optional("MaxSessionDuration") != null) {
      maxSession = Integer.parseInt(q.optional("MaxSessionDuration"));
      if (maxSession < 3600 || maxSession > 43200) throw new IamError("ValidationError", "MaxSessionDuration must be 3600..43200");
    }
    String arn = "arn:aws:iam::" + a.id + ":role" + path + name;
    List<String> extra = new ArrayList<>();
    if (q.hasPrefix("Tags.")) extra.add("iam:TagRole");
    if (q.optional("PermissionsBoundary") != null) extra.add("iam:PutRolePermissionsBoundary");
    authorize(a, q, arn, extra.toArray(new String[0]));
    trustPolicy(a, trust);
    if (a.roles.containsKey(name)) throw new IamError("EntityAlreadyExists", "Role with name " + name + " already exists.");
    RoleState r = new RoleState(name, path, arn, nextId("AROA"), trust, description, maxSession, tick());
    a.roles.put(name, r);
    return "<CreateRoleResult>" + roleXml(r) + "</CreateRoleResult>";
  }

  private String deleteRole(Account a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    RoleState r = existingRole(a, name);
    if (!r.attached.isEmpty()) throw new IamError("DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (!r.inline.isEmpty()) throw new IamError("DeleteConflict", "Cannot delete entity, must delete policies first.");
    a.roles.remove(name);
    return "";
  }

  private String listRolePolicies(Account a, AwsQuery q) {
    q.only(Set.of("RoleName", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    RoleState r = existingRole(a, name);
    return "<ListRolePoliciesResult>" + escapedMembers("PolicyNames", List.copyOf(r.inline.keySet()))
        + el("IsTruncated", false) + "</ListRolePoliciesResult>";
  }

  private String listAttachedRolePolicies(Account a, AwsQuery q) {
    q.only(Set.of("RoleName", "PathPrefix", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    RoleState r = existingRole(a, name);
    List<String> members = r.attached.stream()
        .map(p -> el("PolicyName", p.substring(p.lastIndexOf('/') + 1)) + el("PolicyArn", p)).toList();
    return "<ListAttachedRolePoliciesResult>" + members("AttachedPolicies", members) + el("IsTruncated", false)
        + "</ListAttachedRolePoliciesResult>";
  }

  private String attachRolePolicy(Account a, AwsQuery q, boolean attach) {
    q.only(Set.of("RoleName", "PolicyArn"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String policyArn = policyArnParam(q);
    authorize(a, q, roleArnFor(a, name));
    RoleState r = existingRole(a, name);
    if (attach) {
      if (!AWS_MANAGED.contains(policyArn) && !a.policies.containsKey(policyArn)) {
        throw new IamError("NoSuchEntity", "Policy " + policyArn + " does not exist or is not attachable.");
      }
      if (!r.attached.contains(policyArn)) {
        if (r.attached.size() >= 10) throw new IamError("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10");
        r.attached.add(policyArn);
      }
    } else if (!r.attached.remove(policyArn)) {
      throw new IamError("NoSuchEntity", "Policy " + policyArn + " was not found.");
    }
    return "";
  }

  // --- validation as IAM does it

  private static String name(String value, int max, String member) {
    if (value.isEmpty() || value.length() > max) {
      throw new IamError("ValidationError", "1 validation error detected: Value '" + value + "' at '" + member
          + "' failed to satisfy constraint: Member must have length less than or equal to " + max);
    }
    if (!NAME.matcher(value).matches()) {
      throw new IamError("ValidationError", "1 validation error detected: Value '" + value + "' at '" + member
          + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }
    return value;
  }

  private static String path(String value) {
    if (value == null) return "/";
    if (value.length() > 512 || !PATH.matcher(value).matches()) throw new IamError("ValidationError", "invalid path " + value);
    return value;
  }

  private static Map<String, Object> json(String document) {
    try {
      return JSONObjectUtils.parse(document);
    } catch (ParseException e) {
      throw new IamError("MalformedPolicyDocument", "This policy contains invalid Json");
    }
  }

  private static long size(String document) {
    return document.chars().filter(c -> !Character.isWhitespace(c)).count();
  }

  private static List<Map<String, Object>> statementsOf(Map<String, Object> doc) {
    Object v = doc.get("Version");
    if (v != null && !"2012-10-17".equals(v) && !"2008-10-17".equals(v)) {
      throw new IamError("MalformedPolicyDocument", "The policy failed legacy parsing");
    }
    List<?> raw = asList(doc.get("Statement"));
    if (raw.isEmpty()) throw new IamError("MalformedPolicyDocument", "Syntax errors in policy.");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : raw) {
      if (!(o instanceof Map<?, ?>)) throw new IamError("MalformedPolicyDocument", "Syntax errors in policy.");
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) o;
      if (!"Allow".equals(s.get("Effect")) && !"Deny".equals(s.get("Effect"))) {
        throw new IamError("MalformedPolicyDocument", "Invalid effect: " + s.get("Effect"));
      }
      List<?> actions = asList(s.containsKey("Action") ? s.get("Action") : s.get("NotAction"));
      if (actions.isEmpty()) throw new IamError("MalformedPolicyDocument", "Policy statement must contain actions.");
      for (Object a : actions) {
        if (!SERVICE_ACTION.matcher(String.valueOf(a)).matches()) {
          throw new IamError("MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        }
      }
      if (s.get("Condition") != null) {
        if (!(s.get("Condition") instanceof Map<?, ?> c)) throw new IamError("MalformedPolicyDocument", "Syntax errors in policy.");
        for (Map.Entry<?, ?> e : c.entrySet()) {
          if (!CONDITION_OPERATORS.contains(String.valueOf(e.getKey())) || !(e.getValue() instanceof Map<?, ?>)) {
            throw new IamError("MalformedPolicyDocument", "Invalid Condition type : " + e.getKey());
          }
        }
      }
      out.add(s);
    }
    return out;
  }

  /** An identity policy: actions and resources, no principal, at most 6144 characters without whitespace. */
  private static void identityPolicy(String document) {
    if (size(document) > 6144) throw new IamError("LimitExceeded", "Cannot exceed quota for PolicySize: 6144");
    for (Map<String, Object> s : statementsOf(json(document))) {
      if (s.containsKey("Principal") || s.containsKey("NotPrincipal")) {
        throw new IamError("MalformedPolicyDocument", "Policy document should not specify a principal.");
      }
      if (!s.containsKey("Resource") && !s.containsKey("NotResource")) {
        throw new IamError("MalformedPolicyDocument", "Policy statement must contain resources.");
      }
    }
  }

  /** A trust policy: STS actions, a principal that exists (an OIDC provider of this account), no resource. */
  private static void trustPolicy(Account a, String document) {
    if (size(document) > 2048) throw new IamError("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048");
    for (Map<String, Object> s : statementsOf(json(document))) {
      if (s.containsKey("Resource") || s.containsKey("NotResource")) {
        throw new IamError("MalformedPolicyDocument", "Has prohibited field Resource");
      }
      for (Object action : asList(s.get("Action"))) {
        if (!String.valueOf(action).startsWith("sts:")) {
          throw new IamError("MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.");
        }
      }
      if (!(s.get("Principal") instanceof Map<?, ?> principal) || principal.isEmpty()) {
        throw new IamError("MalformedPolicyDocument", "Missing required field Principal");
      }
      for (Object federated : asList(principal.get("Federated"))) {
        String arn = String.valueOf(federated);
        if (!a.providers.containsKey(arn)) {
          throw new IamError("MalformedPolicyDocument", "Invalid principal in policy: \"Federated\":\"" + arn + "\"");
        }
      }
    }
  }

  // --- helpers

  /** IAM returns policy documents URL-encoded as RFC 3986 does (spaces as %20). */
  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Instant tick() {
    clock = clock.plusSeconds(1);
    return clock;
  }

  private String nextId(String prefix) {
    return prefix + String.format("%017d", ++ids);
  }

  private static String requestId() {
    return java.util.UUID.randomUUID().toString();
  }

  static String meta() {
    return "<ResponseMetadata>" + el("RequestId", requestId()) + "</ResponseMetadata>";
  }
}
