package com.doit.idp.server.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.json.JsonUtil;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.lang.JoseException;

/**
 * AWS STS's side of {@code AssumeRoleWithWebIdentity}, written with jose4j (a JOSE library independent of the
 * nimbus code that mints our tokens) from aws-sts-rules.md: it fetches the issuer's discovery document and JWKS
 * over HTTP with redirects refused, then checks the token the way STS does. A failure names the STS error the
 * real service would return.
 *
 * <p>STS reaches {@code https://<host>/<path>}; the test reaches the same path on the public listener, as the load
 * balancer in front of it would: {@link #localBase} stands in for {@code https://<host>}. Thread-safe.
 */
public final class StsVerifier {
  /** aws-sts-rules.md section 3. */
  public static final Set<String> ACCEPTED_ALGS = Set.of(
      AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
      AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
      AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384, AlgorithmIdentifiers.ECDSA_USING_P521_CURVE_AND_SHA512);
  /** Beyond about 5 s STS gives up (KC-IIT); a local listener must answer far sooner. */
  public static final Duration STS_FETCH_BUDGET = Duration.ofSeconds(5);
  public static final Pattern SOURCE_IDENTITY = Pattern.compile("[\\w+=,.@-]{2,64}");

  /** An HTTP answer as STS receives it, redirects not followed. */
  public record Fetched(URI url, int status, Map<String, List<String>> headers, String body, Duration elapsed) {
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    public List<String> headerValues(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public Map<String, Object> json() {
      try {
        return JsonUtil.parseJson(body);
      } catch (JoseException e) {
        throw new StsRefusal("InvalidIdentityToken: Couldn't retrieve verification key from your identity provider"
            + " (" + url + " is not JSON)");
      }
    }
  }

  /** The error STS would give, with the reason. */
  public static final class StsRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StsRefusal(String message) {
      super(message);
    }
  }

  private final String localBase;
  private final String audience;
  private final Clock clock;

  /**
   * @param localBase {@code http://127.0.0.1:<public port>}: where {@code https://<issuer host>} is served from
   * @param audience the client id registered with the IAM provider ({@code sts.amazonaws.com})
   * @param clock STS's clock, the same as the server's in a test
   */
  public StsVerifier(String localBase, String audience, Clock clock) {
    this.localBase = localBase;
    this.audience = audience;
    this.clock = clock;
  }

  /** The listener URL that serves a public {@code https://} URL of ours. */
  public URI local(String publicUrl) {
    URI u = URI.create(publicUrl);
    return URI.create(localBase + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
  }

  /** One GET as STS makes it: no redirects, a 5 s budget. */
  public Fetched fetch(String publicUrl) {
    return fetch(publicUrl, "GET", Map.of());
  }

  public Fetched fetch(String publicUrl, String method, Map<String, String> requestHeaders) {
    URI url = local(publicUrl);
    long start = System.nanoTime();
    try {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setInstanceFollowRedirects(false); // STS's redirect handling is not documented: never rely on it
      c.setRequestMethod(method);
      c.setConnectTimeout((int) STS_FETCH_BUDGET.toMillis());
      c.setReadTimeout((int) STS_FETCH_BUDGET.toMillis());
      c.setUseCaches(false);
      requestHeaders.forEach(c::setRequestProperty);
      int status = c.getResponseCode();
      Map<String, List<String>> headers = new TreeMap<>();
      c.getHeaderFields().forEach((k, v) -> {
        if (k != null) headers.put(k.toLowerCase(Locale.ROOT), v);
      });
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      c.disconnect();
      return new Fetched(url, status, headers, body, Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The discovery document of {@code issuer}, checked as STS checks it; the parsed JSON. */
  public Map<String, Object> discovery(String issuer) {
    Fetched f = fetch(issuer + "/.well-known/openid-configuration");
    requireOk(f);
    Map<String, Object> doc = f.json();
    if (!issuer.equals(doc.get("issuer"))) {
      throw new StsRefusal("InvalidIdentityToken: No OpenIDConnect provider found in your account for " + issuer
          + " (discovery names " + doc.get("issuer") + ")");
    }
    return doc;
  }

  /** The JWKS that the discovery document of {@code issuer} points at. */
  public JsonWebKeySet jwks(String issuer) {
    Object uri = discovery(issuer).get("jwks_uri");
    if (!(uri instanceof String s)) throw keyError("discovery has no jwks_uri");
    Fetched f = fetch(s);
    requireOk(f);
    try {
      return new JsonWebKeySet(f.body);
    } catch (JoseException e) {
      throw keyError("the JWKS does not parse: " + e.getMessage());
    }
  }

  private static void requireOk(Fetched f) {
    if (f.status != 200) throw keyError(f.url + " answered " + f.status);
    if (f.elapsed.compareTo(STS_FETCH_BUDGET) > 0) throw keyError(f.url + " took " + f.elapsed);
  }

  private static StsRefusal keyError(String why) {
    return new StsRefusal("InvalidIdentityToken: Couldn't retrieve verification key from your identity provider ("
        + why + ")");
  }

  /**
   * {@code AssumeRoleWithWebIdentity} up to the trust policy: size, header, issuer form, discovery, JWKS, signature,
   * claims. Returns the verified claims; throws {@link StsRefusal} naming the error STS would give.
   */
  public JwtClaims assumeRoleWithWebIdentity(String token) {
    if (token.length() < 4 || token.length() > 20000) {
      throw new StsRefusal("ValidationError: WebIdentityToken must be 4..20000 characters, was " + token.length());
    }
    JsonWebSignature jws;
    JwtClaims unverified;
    try {
      jws = (JsonWebSignature) JsonWebSignature.fromCompactSerialization(token);
      unverified = JwtClaims.parse(jws.getUnverifiedPayload());
    } catch (Exception e) {
      throw new StsRefusal("InvalidIdentityToken: the token does not parse");
    }
    String alg = jws.getAlgorithmHeaderValue();
    if (!ACCEPTED_ALGS.contains(alg)) throw new StsRefusal("InvalidIdentityToken: unsupported alg " + alg);
    String kid = jws.getKeyIdHeaderValue();
    if (kid == null || kid.isEmpty()) throw new StsRefusal("InvalidIdentityToken: no kid");
    String iss;
    try {
      iss = unverified.getIssuer();
    } catch (Exception e) {
      throw new StsRefusal("InvalidIdentityToken: iss is not a string");
    }
    checkIssuerForm(iss);
    JsonWebKeySet set = jwks(iss);
    List<JsonWebKey> withKid = set.getJsonWebKeys().stream().filter(k -> kid.equals(k.getKeyId())).toList();
    if (withKid.isEmpty()) throw keyError("no key with kid " + kid + " in the JWKS");
    JwtConsumer consumer = new JwtConsumerBuilder()
        .setRequireExpirationTime()
        .setRequireIssuedAt()
        .setRequireSubject()
        .setExpectedIssuer(true, iss)
        .setExpectedAudience(true, audience)
        .setEvaluationTime(NumericDate.fromMilliseconds(clock.millis()))
        .setAllowedClockSkewInSeconds(0)
        .setJwsAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
            ACCEPTED_ALGS.toArray(String[]::new)))
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(withKid))
        .build();
    try {
      return consumer.processToClaims(token);
    } catch (InvalidJwtException e) {
      if (e.hasExpired()) throw new StsRefusal("ExpiredTokenException: " + e.getMessage());
      throw new StsRefusal("InvalidIdentityToken: " + e.getMessage());
    }
  }

  /** aws-sts-rules.md section 1: {@code https://}, no port, no query, no trailing slash, 1..255 characters. */
  public static void checkIssuerForm(String iss) {
    if (iss == null || iss.isEmpty() || iss.length() > 255) {
      throw new StsRefusal("InvalidIdentityToken: issuer must be 1..255 characters");
    }
    URI u;
    try {
      u = new URI(iss);
    } catch (Exception e) {
      throw new StsRefusal("InvalidIdentityToken: issuer is not a URL");
    }
    if (!"https".equals(u.getScheme())) throw new StsRefusal("InvalidIdentityToken: issuer must be https://");
    if (u.getPort() != -1) throw new StsRefusal("InvalidIdentityToken: issuer must not have a port");
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new StsRefusal("InvalidIdentityToken: issuer must not have a query");
    }
    if (iss.endsWith("/")) throw new StsRefusal("InvalidIdentityToken: issuer must not end with a slash");
  }

  /** {@code arn:aws:iam::<account>:oidc-provider/<issuer without https://>}. */
  public static String providerArn(String account, String issuer) {
    return "arn:aws:iam::" + account + ":oidc-provider/" + issuer.substring("https://".length());
  }
}
