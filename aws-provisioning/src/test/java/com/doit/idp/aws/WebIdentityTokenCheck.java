package com.doit.idp.aws;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.json.JsonUtil;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

/**
 * The token half of STS's {@code AssumeRoleWithWebIdentity}, with jose4j (independent of the nimbus code that mints
 * our tokens): the header's {@code alg} and {@code kid}, {@code iss} equal to a registered provider URL, the
 * provider's discovery document and JWKS fetched as STS fetches them (https only, no redirects, 5 s), the signature
 * by the key with that {@code kid}, {@code aud} among the provider's client ids, {@code exp}/{@code iat}/{@code nbf}.
 * Failures are {@link FakeAws.IamError}s with STS's codes. Kept apart from {@link WebIdentitySts} so that only a test
 * that calls STS with a token needs jose4j. Stateless.
 */
final class WebIdentityTokenCheck {
  /** The algorithms STS accepts (RS256..512, ES256..512). */
  static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512");
  private static final int FETCH_MILLIS = 5000;
  private static final String NO_KEY = "Couldn't retrieve verification key from your identity provider, please "
      + "reference AssumeRoleWithWebIdentity documentation for requirements";

  private WebIdentityTokenCheck() {}

  /** The token's {@code iss} as sent, before anything is verified (STS looks the provider up by it). */
  static String issuer(String token) {
    try {
      JsonWebSignature jws = (JsonWebSignature) JsonWebSignature.fromCompactSerialization(token);
      Object iss = JsonUtil.parseJson(jws.getUnverifiedPayload()).get("iss");
      if (!(iss instanceof String s) || s.isEmpty()) throw invalid("Missing a required claim: iss");
      return s;
    } catch (FakeAws.IamError e) {
      throw e;
    } catch (Exception e) {
      throw invalid("The web identity token that was passed could not be validated by AWS. Get a new identity token "
          + "from the identity provider and then retry the request.");
    }
  }

  /**
   * The verified claims of {@code token} from the provider at {@code issuer} with {@code clientIds}.
   *
   * @param fetchUrl turns a public https URL into the URL the test reaches it at, or null when it cannot be reached
   */
  static Map<String, Object> verify(String token, String issuer, List<String> clientIds, Instant now,
      Function<URI, URI> fetchUrl) {
    JsonWebSignature jws;
    try {
      jws = (JsonWebSignature) JsonWebSignature.fromCompactSerialization(token);
    } catch (Exception e) {
      throw invalid("The web identity token could not be parsed");
    }
    String alg = jws.getAlgorithmHeaderValue();
    if (!ALGORITHMS.contains(alg)) throw invalid("Unsupported token signature algorithm " + alg);
    String kid = jws.getKeyIdHeaderValue();
    Map<String, Object> discovery = fetchJson(URI.create(issuer + "/.well-known/openid-configuration"), fetchUrl);
    if (!issuer.equals(discovery.get("issuer"))) throw invalid(NO_KEY);
    if (!(discovery.get("jwks_uri") instanceof String jwksUri)) throw invalid(NO_KEY);
    List<JsonWebKey> keys;
    try {
      keys = new JsonWebKeySet(JsonUtil.toJson(fetchJson(URI.create(jwksUri), fetchUrl))).getJsonWebKeys();
    } catch (Exception e) {
      throw invalid(NO_KEY);
    }
    List<JsonWebKey> withKid = keys.stream().filter(k -> kid != null && kid.equals(k.getKeyId())).toList();
    if (withKid.isEmpty()) throw invalid(NO_KEY);
    try {
      JwtClaims claims = new JwtConsumerBuilder()
          .setRequireExpirationTime()
          .setRequireIssuedAt()
          .setRequireSubject()
          .setExpectedIssuer(true, issuer)
          .setExpectedAudience(true, clientIds.toArray(String[]::new))
          .setEvaluationTime(NumericDate.fromMilliseconds(now.toEpochMilli()))
          .setAllowedClockSkewInSeconds(0)
          .setJwsAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
              ALGORITHMS.toArray(String[]::new)))
          .setVerificationKeyResolver(new JwksVerificationKeyResolver(withKid))
          .build()
          .processToClaims(token);
      return claims.getClaimsMap();
    } catch (InvalidJwtException e) {
      if (e.hasExpired()) {
        throw new FakeAws.IamError("ExpiredTokenException", "Token expired: current date/time " + now
            + " must be before the expiration date/time");
      }
      if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.AUDIENCE_INVALID)
          || e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.AUDIENCE_MISSING)) {
        throw invalid("Incorrect token audience");
      }
      throw invalid("The web identity token that was passed could not be validated by AWS ("
          + e.getErrorDetails().get(0).getErrorMessage() + ")");
    }
  }

  /** One GET as STS makes it; an unreachable provider is IDPCommunicationError, a bad answer a key error. */
  private static Map<String, Object> fetchJson(URI publicUrl, Function<URI, URI> fetchUrl) {
    if (!"https".equals(publicUrl.getScheme())) throw invalid(NO_KEY);
    URI url = fetchUrl.apply(publicUrl);
    if (url == null) throw communication();
    try {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setInstanceFollowRedirects(false);
      c.setConnectTimeout(FETCH_MILLIS);
      c.setReadTimeout(FETCH_MILLIS);
      c.setUseCaches(false);
      int status = c.getResponseCode();
      String body;
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        body = in == null ? "" : new String(in.readNBytes(256 * 1024), StandardCharsets.UTF_8);
      }
      c.disconnect();
      if (status != 200) throw invalid(NO_KEY);
      return JsonUtil.parseJson(body);
    } catch (IOException e) {
      throw communication();
    } catch (org.jose4j.lang.JoseException e) {
      throw invalid(NO_KEY);
    }
  }

  private static FakeAws.IamError invalid(String message) {
    return new FakeAws.IamError("InvalidIdentityToken", message);
  }

  private static FakeAws.IamError communication() {
    return new FakeAws.IamError("IDPCommunicationError", "Couldn't retrieve verification key from your identity provider");
  }
}
