package com.doit.idp.server.dev;

import com.doit.idp.config.Loopback;
import com.doit.idp.role.RoleId;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/check-token TOKEN}: checks a minted token the way AWS STS does before it accepts it in
 * {@code AssumeRoleWithWebIdentity} (aws-sts-rules.md sections 1 to 4): it reads {@code iss} from the token, fetches
 * the issuer's discovery document and JWKS over HTTP exactly as STS would (no redirects, 5 s), checks the JWKS is
 * cacheable, selects the key by {@code kid}, verifies the signature and checks the claims. Each check prints one line,
 * {@code OK} or {@code FAIL}; the exit code is 0 when every check passed, 1 otherwise, 2 on a usage error.
 *
 * <p>It checks what can be checked from outside; it cannot see the customer's IAM provider or trust policy. It uses
 * nimbus-jose-jwt and the JDK only, never the server's code, so it is an independent judge of the server's output.
 * The token itself is never printed.
 *
 * <p>An instance is immutable and thread-safe; each {@link #check} call has its own report.
 */
public final class TokenCheck {
  /** The audience STS requires (aws-sts-rules.md section 4), and the client id we register with IAM. */
  public static final String STS_AUDIENCE = "sts.amazonaws.com";

  /** The source identity claim (aws-sts-rules.md section 4). */
  public static final String SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";

  /** STS gives up on a provider slower than about 5 s (aws-sts-rules.md section 2). */
  static final Duration STS_TIMEOUT = Duration.ofSeconds(5);

  /** A discovery document or JWKS larger than this is refused (we publish at most two keys per role). */
  static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /** The algorithms STS accepts (aws-sts-rules.md section 3). */
  static final Set<JWSAlgorithm> STS_ALGORITHMS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

  private static final Pattern SOURCE_IDENTITY = Pattern.compile("[\\w+=,.@-]{2,64}");
  private static final Pattern ROLE_PATH = Pattern.compile(".*/([0-9]{12})/([^/]+)");
  private static final Pattern MAX_AGE = Pattern.compile("max-age\\s*=\\s*\"?([0-9]+)\"?");

  /** One printed line. */
  public record Line(boolean ok, String check, String detail) {
    @Override
    public String toString() {
      return (ok ? "OK    " : "FAIL  ") + check + ": " + detail;
    }
  }

  /** What one {@link #check} found, in order. */
  public record Report(List<Line> lines) {
    public boolean passed() {
      return !lines.isEmpty() && lines.stream().allMatch(Line::ok);
    }

    /** True when the named check was made and failed. */
    public boolean failed(String check) {
      return lines.stream().anyMatch(l -> !l.ok() && l.check().equals(check));
    }

    /** True when the named check was made and passed. */
    public boolean okay(String check) {
      return lines.stream().anyMatch(l -> l.ok() && l.check().equals(check));
    }
  }

  private final HttpClient http;
  private final Clock clock;
  private final PrintStream out;

  /**
   * @param clock the time against which {@code exp}, {@code nbf} and {@code iat} are judged
   * @param out where each line is printed as it is decided (may be a sink)
   */
  public TokenCheck(Clock clock, PrintStream out) {
    this.clock = clock;
    this.out = out;
    // STS does not follow redirects (aws-sts-rules.md section 2): neither do we, so a redirect shows as a failure.
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(STS_TIMEOUT)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  public static void main(String[] args) throws IOException {
    String token;
    if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println("usage: check-token TOKEN   (or '-', or no argument: read the token from standard input)");
      System.exit(0);
      return;
    }
    if (args.length > 1) {
      System.err.println("usage: check-token TOKEN   (or '-', or no argument: read the token from standard input)");
      System.exit(2);
      return;
    }
    if (args.length == 0 || args[0].equals("-")) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line = in.readLine();
      token = line == null ? "" : line.strip();
    } else {
      token = args[0].strip();
    }
    Report report = new TokenCheck(Clock.systemUTC(), System.out).check(token);
    System.exit(report.passed() ? 0 : 1);
  }

  /** Runs every check on {@code token}; never throws for a bad token or an unreachable issuer. */
  public Report check(String token) {
    Run run = new Run();
    run.all(token == null ? "" : token);
    long failed = run.lines.stream().filter(l -> !l.ok()).count();
    if (failed == 0) {
      out.println("token passes every check AWS STS makes on the token, discovery document and JWKS");
      out.println("(not checked from here: the IAM OIDC provider and the trust policy in the customer's account)");
    } else {
      out.println(failed + " check(s) failed: AWS STS would refuse this token");
    }
    return new Report(List.copyOf(run.lines));
  }

  /** The state of one check run. */
  private final class Run {
    private final List<Line> lines = new ArrayList<>();

    private void ok(String check, String detail) {
      add(new Line(true, check, detail));
    }

    private boolean fail(String check, String detail) {
      add(new Line(false, check, detail));
      return false;
    }

    private boolean expect(boolean condition, String check, String okDetail, String failDetail) {
      if (condition) ok(check, okDetail);
      else fail(check, failDetail);
      return condition;
    }

    private void add(Line line) {
      lines.add(line);
      out.println(line);
    }

    void all(String token) {
      // STS-API: WebIdentityToken is 4..20000 characters
      expect(token.length() >= 4 && token.length() <= 20000, "size",
          token.length() + " characters (4..20000)", token.length() + " characters, STS takes 4..20000");
      JWSObject jws;
      try {
        jws = JWSObject.parse(token);
      } catch (ParseException e) {
        fail("format", "not a compact JWS (three base64url parts): " + e.getMessage());
        return;
      }
      ok("format", "compact JWS");
      JWSHeader header = jws.getHeader();
      expect(STS_ALGORITHMS.contains(header.getAlgorithm()), "alg", header.getAlgorithm().getName(),
          header.getAlgorithm().getName() + " is not one of RS256/384/512, ES256/384/512 (aws-sts-rules.md 3)");
      expect(JOSEObjectType.JWT.equals(header.getType()), "typ", "JWT",
          "header typ is " + header.getType() + ", expected JWT");
      String kid = header.getKeyID();
      expect(kid != null && !kid.isEmpty(), "kid", String.valueOf(kid), "header has no kid: STS selects keys by kid");

      Map<String, Object> claims;
      try {
        claims = JSONObjectUtils.parse(jws.getPayload().toString());
      } catch (ParseException e) {
        fail("claims", "the payload is not a JSON object");
        return;
      }

      Optional<URI> issuer = issuer(claims.get("iss"), claims.get("sub"));
      claims(claims);
      if (issuer.isEmpty()) {
        fail("discovery", "not fetched: the issuer is not usable");
        return;
      }
      Optional<URI> jwksUri = discovery(issuer.get(), header.getAlgorithm());
      if (jwksUri.isEmpty()) {
        fail("jwks", "not fetched: no usable jwks_uri");
        return;
      }
      Optional<JWKSet> jwks = jwks(jwksUri.get());
      if (jwks.isEmpty()) return;
      Optional<JWK> key = key(jwks.get(), kid, header.getAlgorithm());
      if (key.isEmpty()) return;
      signature(jws, key.get());
    }

    /** aws-sts-rules.md section 1: the provider URL, compared exactly with iss. */
    private Optional<URI> issuer(Object iss, Object sub) {
      if (!(iss instanceof String s) || s.isEmpty()) {
        fail("iss", "missing or not a string");
        return Optional.empty();
      }
      URI u;
      try {
        u = new URI(s);
      } catch (URISyntaxException e) {
        fail("iss", "'" + s + "' is not a URL");
        return Optional.empty();
      }
      if (!u.isAbsolute() || u.getHost() == null) {
        fail("iss", "'" + s + "' is not an absolute URL with a host");
        return Optional.empty();
      }
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        fail("iss", s + " has a query or fragment: IAM refuses it");
        return Optional.empty();
      }
      if (s.length() > 255) {
        fail("iss", "longer than 255 characters: IAM refuses it");
        return Optional.empty();
      }
      if (s.endsWith("/")) {
        // issuers are compared as exact strings; a trailing slash makes a different issuer
        fail("iss", s + " ends with a slash");
        return Optional.empty();
      }
      boolean loopback = Loopback.isLoopbackHost(u.getHost());
      if ("https".equals(u.getScheme())) {
        if (u.getPort() != -1 && !loopback) {
          fail("iss", s + " has a port: a published issuer never has one (aws-sts-rules.md 1)");
          return Optional.empty();
        }
        ok("iss", s);
      } else if ("http".equals(u.getScheme()) && loopback) {
        ok("iss", s + " (http on loopback: fine for --dev, but AWS STS would refuse it: it fetches https:// only)");
      } else {
        fail("iss", s + " is not https://: AWS STS fetches https:// issuers only");
        return Optional.empty();
      }
      Matcher m = ROLE_PATH.matcher(u.getPath() == null ? "" : u.getPath());
      expect(m.matches() && m.group(2).equals(sub), "iss names the role",
          m.matches() ? "account " + m.group(1) + ", engineer " + m.group(2) : "",
          "the issuer's path is not /<account>/<sub>");
      return Optional.of(u);
    }

    /** aws-sts-rules.md section 4. */
    private void claims(Map<String, Object> claims) {
      Object aud = claims.get("aud");
      if (aud instanceof String a) {
        expect(a.equals(STS_AUDIENCE), "aud", a, "'" + a + "', expected " + STS_AUDIENCE);
      } else if (aud instanceof List<?>) {
        fail("aud", "an array: emit the single string " + STS_AUDIENCE);
      } else {
        fail("aud", "missing: STS says 'Missing a required claim: aud'");
      }

      Long iat = seconds(claims, "iat");
      Long nbf = seconds(claims, "nbf");
      Long exp = seconds(claims, "exp");
      long now = clock.instant().getEpochSecond();
      if (exp != null) {
        expect(exp > now, "not expired", "expires in " + (exp - now) + " s",
            "expired " + (now - exp) + " s ago: STS answers ExpiredTokenException");
      }
      if (nbf != null) {
        expect(nbf <= now, "nbf reached", "valid since " + (now - nbf) + " s", "not valid for another " + (nbf - now) + " s");
      }
      if (iat != null && exp != null) {
        long lifetime = exp - iat;
        expect(lifetime > 0 && lifetime <= 3600, "lifetime", lifetime + " s", lifetime + " s, expected 1..3600 s");
      }

      Object sub = claims.get("sub");
      expect(sub instanceof String s && RoleId.isEngineer(s), "sub", String.valueOf(sub),
          sub == null ? "missing: STS requires it" : "'" + sub + "' is not an engineer id: " + RoleId.ENGINEER_RULE);
      Object source = claims.get(SOURCE_IDENTITY_CLAIM);
      if (!(source instanceof String s) || !SOURCE_IDENTITY.matcher(s).matches()) {
        fail("source identity", source == null ? "missing " + SOURCE_IDENTITY_CLAIM
            : "not 2..64 characters of [\\w+=,.@-] (aws-sts-rules.md 4)");
      } else {
        expect(s.equals(sub), "source identity", s, "'" + s + "' differs from sub");
      }
    }

    /** STS wants whole seconds: no fraction, no string (aws-sts-rules.md section 4). */
    private Long seconds(Map<String, Object> claims, String name) {
      Object v = claims.get(name);
      if (v instanceof Long || v instanceof Integer) {
        ok(name, "integer " + v);
        return ((Number) v).longValue();
      }
      if (v == null) fail(name, "missing");
      else if (v instanceof Number) fail(name, v + " is not a whole number of seconds");
      else fail(name, "not a number: " + v.getClass().getSimpleName().toLowerCase(Locale.ROOT));
      return null;
    }

    /** aws-sts-rules.md section 2: the discovery document, fetched the way STS fetches it. */
    private Optional<URI> discovery(URI issuer, JWSAlgorithm alg) {
      URI url = URI.create(issuer + "/.well-known/openid-configuration");
      Optional<Fetched> f = fetch("discovery", url);
      if (f.isEmpty()) return Optional.empty();
      Map<String, Object> doc;
      try {
        doc = JSONObjectUtils.parse(f.get().body);
      } catch (ParseException e) {
        fail("discovery", "the body is not a JSON object");
        return Optional.empty();
      }
      Object docIssuer = doc.get("issuer");
      if (!expect(issuer.toString().equals(docIssuer), "discovery issuer", "equals iss",
          "'" + docIssuer + "' differs from iss '" + issuer + "' (compared exactly)")) {
        return Optional.empty();
      }
      Object algs = doc.get("id_token_signing_alg_values_supported");
      expect(algs instanceof List<?> l && l.contains(alg.getName()), "discovery algorithms",
          String.valueOf(algs), "id_token_signing_alg_values_supported does not list " + alg.getName());
      Object jwks = doc.get("jwks_uri");
      if (!(jwks instanceof String j)) {
        fail("jwks_uri", "missing");
        return Optional.empty();
      }
      URI u;
      try {
        u = new URI(j);
      } catch (URISyntaxException e) {
        fail("jwks_uri", "'" + j + "' is not a URL");
        return Optional.empty();
      }
      if (!u.isAbsolute() || u.getHost() == null) {
        fail("jwks_uri", "'" + j + "' is not an absolute URL");
        return Optional.empty();
      }
      if ("https".equals(u.getScheme()) || ("http".equals(u.getScheme()) && Loopback.isLoopbackHost(u.getHost()))) {
        ok("jwks_uri", j);
        return Optional.of(u);
      }
      fail("jwks_uri", j + " is not https://");
      return Optional.empty();
    }

    /** aws-sts-rules.md section 2: reachable, cacheable, at most 100 keys of a type, public members only. */
    private Optional<JWKSet> jwks(URI url) {
      Optional<Fetched> f = fetch("jwks", url);
      if (f.isEmpty()) return Optional.empty();
      cacheable(f.get().response);
      JWKSet set;
      try {
        set = JWKSet.parse(f.get().body);
      } catch (ParseException e) {
        fail("jwks keys", "not a JWK set: " + e.getMessage());
        return Optional.empty();
      }
      long rsa = set.getKeys().stream().filter(k -> KeyType.RSA.equals(k.getKeyType())).count();
      long ec = set.getKeys().stream().filter(k -> KeyType.EC.equals(k.getKeyType())).count();
      List<String> problems = new ArrayList<>();
      if (set.getKeys().isEmpty()) problems.add("no keys");
      if (rsa > 100 || ec > 100) problems.add("more than 100 keys of one type");
      for (JWK k : set.getKeys()) {
        String name = k.getKeyID() == null ? "a key" : k.getKeyID();
        if (k.getKeyID() == null) problems.add("a key without kid");
        if (!KeyUse.SIGNATURE.equals(k.getKeyUse())) problems.add(name + " has no use: sig");
        if (k.getAlgorithm() == null) problems.add(name + " has no alg");
        if (k.isPrivate()) problems.add(name + " has PRIVATE members");
      }
      expect(problems.isEmpty(), "jwks keys", set.getKeys().size() + " key(s), each with kid, use sig, alg, public only",
          String.join("; ", problems));
      return Optional.of(set);
    }

    /** STS fetches too often when the JWKS is not cacheable (aws-sts-rules.md section 2). */
    private void cacheable(HttpResponse<?> response) {
      List<String> values = response.headers().allValues("Cache-Control");
      String cc = String.join(", ", values).toLowerCase(Locale.ROOT);
      List<String> pragma = response.headers().allValues("Pragma");
      if (values.isEmpty()) {
        fail("jwks cache-control", "missing: send a positive max-age");
        return;
      }
      if (cc.contains("no-cache") || cc.contains("no-store")) {
        fail("jwks cache-control", "'" + cc + "': AWS asks issuers never to send no-cache");
        return;
      }
      if (pragma.stream().anyMatch(p -> p.toLowerCase(Locale.ROOT).contains("no-cache"))) {
        fail("jwks cache-control", "Pragma: no-cache: AWS asks issuers never to send it");
        return;
      }
      Matcher m = MAX_AGE.matcher(cc);
      long maxAge = -1;
      while (m.find()) {
        int start = m.start();
        // s-maxage is another directive; only max-age counts
        if (start > 0 && cc.charAt(start - 1) == '-') continue;
        try {
          maxAge = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          maxAge = Long.MAX_VALUE;
        }
      }
      expect(maxAge > 0, "jwks cache-control", "'" + cc + "'",
          maxAge == 0 ? "max-age=0: STS would fetch on every call" : "'" + cc + "' has no max-age");
    }

    private Optional<JWK> key(JWKSet set, String kid, JWSAlgorithm alg) {
      List<JWK> matches = set.getKeys().stream().filter(k -> kid != null && kid.equals(k.getKeyID())).toList();
      if (matches.size() != 1) {
        fail("key by kid", matches.isEmpty() ? "no key in the JWKS has kid " + kid
            + ": STS says 'Couldn't retrieve verification key'" : matches.size() + " keys have kid " + kid);
        return Optional.empty();
      }
      JWK key = matches.get(0);
      ok("key by kid", key.getKeyType() + " key " + kid);
      expect(key.getAlgorithm() == null || key.getAlgorithm().getName().equals(alg.getName()), "key alg",
          String.valueOf(key.getAlgorithm()), "the key is for " + key.getAlgorithm() + ", the token says " + alg);
      try {
        String thumbprint = key.computeThumbprint().toString();
        expect(thumbprint.equals(kid), "kid is the RFC 7638 thumbprint", "yes",
            "the key's thumbprint is " + thumbprint + " (SPEC.md: kid is the RFC 7638 thumbprint)");
      } catch (JOSEException e) {
        fail("kid is the RFC 7638 thumbprint", "cannot compute the thumbprint");
      }
      return Optional.of(key);
    }

    private void signature(JWSObject jws, JWK key) {
      try {
        JWSVerifier verifier;
        if (key instanceof RSAKey rsa) verifier = new RSASSAVerifier(rsa.toRSAPublicKey());
        else if (key instanceof ECKey ec) verifier = new ECDSAVerifier(ec.toECPublicKey());
        else {
          fail("signature", "unsupported key type " + key.getKeyType());
          return;
        }
        expect(jws.verify(verifier), "signature", "verified with " + key.getKeyID(), "does not verify with the key of its kid");
      } catch (JOSEException e) {
        fail("signature", "cannot verify: " + e.getMessage());
      }
    }

    /** GET without redirects, 5 s at most, 200 and a JSON content type, a body of at most 1 MiB. */
    private Optional<Fetched> fetch(String check, URI url) {
      HttpRequest request = HttpRequest.newBuilder(url).timeout(STS_TIMEOUT).GET()
          .header("Accept", "application/json").build();
      long started = System.nanoTime();
      HttpResponse<InputStream> response;
      String body;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
          byte[] bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
          if (bytes.length > MAX_DOCUMENT_BYTES) {
            fail(check, url + ": larger than " + MAX_DOCUMENT_BYTES + " bytes");
            return Optional.empty();
          }
          body = new String(bytes, StandardCharsets.UTF_8);
        }
      } catch (IOException e) {
        fail(check, url + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(check, url + ": interrupted");
        return Optional.empty();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        fail(check, url + ": " + status + " redirect to " + response.headers().firstValue("Location").orElse("?")
            + ": STS does not follow redirects");
        return Optional.empty();
      }
      if (status != 200) {
        fail(check, url + ": status " + status + ", expected 200");
        return Optional.empty();
      }
      if (took.compareTo(STS_TIMEOUT) > 0) {
        fail(check, url + ": took " + took.toMillis() + " ms; STS gives up after about 5 s");
        return Optional.empty();
      }
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        fail(check, url + ": Content-Type '" + type + "', expected application/json");
        return Optional.empty();
      }
      ok(check, url + " (200, " + took.toMillis() + " ms)");
      return Optional.of(new Fetched(response, body));
    }
  }

  private record Fetched(HttpResponse<InputStream> response, String body) {}


}
