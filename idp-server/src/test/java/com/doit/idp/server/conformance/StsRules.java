package com.doit.idp.server.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.hostile.IdpUnderTest;
import com.doit.idp.role.MutableClock;
import java.math.BigInteger;
import java.net.URI;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jose4j.json.JsonUtil;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every rule of aws-sts-rules.md sections 1-4 and 6, one named test each, checked the way AWS STS checks it: over
 * HTTP, redirects refused, with jose4j (independent of the nimbus code that mints). A subclass says which role and
 * which moment (a new role, a rotation phase, RS256 or ES256, in-memory or SoftHSM2) by {@link #prepare}; every
 * rule must then hold for a token the server mints at that moment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StsRules {
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|,)\\s*max-age=(\\d+)\\s*(?:,|$)");
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

  /** The role under test and a token the server minted for it just now. */
  public record Scenario(IdpUnderTest idp, String account, String engineer, SigningAlgorithm algorithm,
      String token, boolean ownsServer) {}

  protected Scenario s;
  private StsVerifier sts;
  private JwtClaims verified;
  private Map<String, Object> rawClaims;
  private Map<String, Object> rawHeader;

  /** Sets up the role and the moment, and mints the token every rule is checked against. */
  protected abstract Scenario prepare();

  @BeforeAll
  void mintAndVerifyAsSts() throws JoseException {
    s = prepare();
    sts = new StsVerifier(s.idp().baseUrl("public"), "sts.amazonaws.com", s.idp().clock());
    String[] parts = s.token().split("\\.");
    rawHeader = JsonUtil.parseJson(new String(java.util.Base64.getUrlDecoder().decode(parts[0])));
    rawClaims = JsonUtil.parseJson(new String(java.util.Base64.getUrlDecoder().decode(parts[1])));
    verified = sts.assumeRoleWithWebIdentity(s.token());
  }

  @AfterAll
  void stop() {
    if (s != null && s.ownsServer()) s.idp().close();
  }

  private String issuer() {
    return s.idp().issuer(s.account(), s.engineer());
  }

  private Map<String, Object> discovery() {
    return sts.discovery(issuer());
  }

  private JsonWebKeySet jwks() {
    return sts.jwks(issuer());
  }

  private String kid() {
    return (String) rawHeader.get("kid");
  }

  // ---------------------------------------------------------------- section 1: the provider URL

  @Test
  void rule1_issuerIsHttps() {
    assertEquals("https", URI.create(issuer()).getScheme());
  }

  @Test
  void rule1_issuerHasNoPort() {
    assertEquals(-1, URI.create(issuer()).getPort(), issuer());
  }

  @Test
  void rule1_issuerHasAPathButNoQueryFragmentOrTrailingSlash() {
    URI u = URI.create(issuer());
    assertEquals("/" + s.account() + "/" + s.engineer(), u.getRawPath());
    assertNull(u.getRawQuery());
    assertNull(u.getRawFragment());
    assertFalse(issuer().endsWith("/"));
  }

  @Test
  void rule1_issuerIsAtMost255CharactersEvenForTheLongestEngineerId() {
    assertTrue(issuer().length() <= 255);
    String longest = IdpUnderTest.BASE_URL + "/" + "0".repeat(12) + "/" + "e".repeat(51);
    assertTrue(longest.length() <= 255, longest.length() + " characters");
  }

  @Test
  void rule1_tokenIssEqualsTheProviderUrlExactly() throws Exception {
    assertEquals(issuer(), verified.getIssuer());
    assertEquals(issuer(), s.idp().roleJson(s.account(), s.engineer()).get("issuer"));
  }

  @Test
  void rule1_providerArnIsTheIssuerWithoutSchemeUnderTheRolesAccount() {
    Map<String, Object> role = s.idp().roleJson(s.account(), s.engineer());
    assertEquals(StsVerifier.providerArn(s.account(), issuer()), role.get("provider_arn"));
    assertEquals(issuer().substring("https://".length()), role.get("provider_url"));
  }

  @Test
  void rule1_clientIdIsStsAmazonawsComWithin255Characters() {
    String audience = s.idp().config().issuer().audience();
    assertEquals("sts.amazonaws.com", audience);
    assertTrue(audience.length() >= 1 && audience.length() <= 255);
  }

  @Test
  void rule1_roleIsInTheSameAccountAsItsProvider() {
    Map<String, Object> role = s.idp().roleJson(s.account(), s.engineer());
    assertTrue(((String) role.get("role_arn")).startsWith("arn:aws:iam::" + s.account() + ":role/"));
    assertTrue(((String) role.get("provider_arn")).startsWith("arn:aws:iam::" + s.account() + ":oidc-provider/"));
  }

  // ---------------------------------------------------------------- section 2: discovery and JWKS as STS fetches them

  @Test
  void rule2_discoveryAnswers200JsonWithoutRedirect() {
    StsVerifier.Fetched f = sts.fetch(issuer() + "/.well-known/openid-configuration");
    assertEquals(200, f.status(), f.body());
    assertNull(f.header("location"));
    assertTrue(f.header("content-type").startsWith("application/json"), f.header("content-type"));
    f.json();
  }

  @Test
  void rule2_discoveryIssuerEqualsTheProviderUrlExactly() {
    assertEquals(issuer(), discovery().get("issuer"));
  }

  @Test
  void rule2_discoveryHasTheFieldsOfAwsMinimalDocument() {
    Map<String, Object> d = discovery();
    assertEquals(List.of("id_token"), d.get("response_types_supported"));
    assertEquals(List.of("public"), d.get("subject_types_supported"));
    Collection<?> algs = (Collection<?>) d.get("id_token_signing_alg_values_supported");
    assertTrue(algs.contains(s.algorithm().name()), algs.toString());
    assertTrue(StsVerifier.ACCEPTED_ALGS.containsAll(algs), algs.toString());
    Collection<?> claims = (Collection<?>) d.get("claims_supported");
    assertTrue(claims.containsAll(List.of("iss", "sub", "aud", "iat", "exp")), claims.toString());
    assertTrue(claims.containsAll(rawClaims.keySet()), "every claim we mint is listed: " + claims);
  }

  @Test
  void rule2_jwksUriIsTheIssuerSlashJwksJsonOverHttps() {
    assertEquals(issuer() + "/jwks.json", discovery().get("jwks_uri"));
  }

  @Test
  void rule2_jwksAnswers200JsonWithoutRedirect() {
    StsVerifier.Fetched f = sts.fetch((String) discovery().get("jwks_uri"));
    assertEquals(200, f.status(), f.body());
    assertNull(f.header("location"));
    assertTrue(f.header("content-type").startsWith("application/json"), f.header("content-type"));
  }

  @Test
  void rule2_bothDocumentsAreCacheableWithAPositiveMaxAgeAndNeverNoCache() {
    for (String url : List.of(issuer() + "/.well-known/openid-configuration", issuer() + "/jwks.json")) {
      StsVerifier.Fetched f = sts.fetch(url);
      String cc = String.join(",", f.headerValues("cache-control")).toLowerCase(java.util.Locale.ROOT);
      assertFalse(cc.contains("no-cache"), url + ": " + cc);
      assertFalse(cc.contains("no-store"), url + ": " + cc);
      assertFalse(cc.contains("private"), url + ": " + cc);
      Matcher m = MAX_AGE.matcher(cc.replace(" ", ""));
      assertTrue(m.find(), url + ": no max-age in " + cc);
      long maxAge = Long.parseLong(m.group(1));
      assertTrue(maxAge > 0, url + ": " + cc);
      assertEquals(s.idp().config().http().jwksMaxAge().getSeconds(), maxAge);
      for (String pragma : f.headerValues("pragma")) assertFalse(pragma.toLowerCase().contains("no-cache"), pragma);
      assertNull(f.header("expires"), "an Expires header could contradict max-age");
    }
  }

  @Test
  void rule2_bothDocumentsCarryAStrongEtagAndAnswer304WhenItMatches() {
    for (String url : List.of(issuer() + "/.well-known/openid-configuration", issuer() + "/jwks.json")) {
      StsVerifier.Fetched f = sts.fetch(url);
      String etag = f.header("etag");
      assertNotNull(etag, url);
      assertFalse(etag.startsWith("W/"), "strong: " + etag);
      StsVerifier.Fetched again = sts.fetch(url, "GET", Map.of("If-None-Match", etag));
      assertEquals(304, again.status(), url);
      assertEquals("", again.body());
    }
  }

  @Test
  void rule2_bothDocumentsAnswerHeadLikeGetWithoutABody() {
    for (String url : List.of(issuer() + "/.well-known/openid-configuration", issuer() + "/jwks.json")) {
      StsVerifier.Fetched get = sts.fetch(url);
      StsVerifier.Fetched head = sts.fetch(url, "HEAD", Map.of());
      assertEquals(200, head.status());
      assertEquals("", head.body());
      assertEquals(get.header("etag"), head.header("etag"));
      assertEquals(get.header("cache-control"), head.header("cache-control"));
    }
  }

  @Test
  void rule2_bothDocumentsAnswerWellWithinStsFiveSecondBudget() {
    // KC-IIT: beyond about 5 s STS gives up. A generous bound on a loopback call, not a benchmark.
    for (String url : List.of(issuer() + "/.well-known/openid-configuration", issuer() + "/jwks.json")) {
      StsVerifier.Fetched f = sts.fetch(url);
      assertTrue(f.elapsed().compareTo(Duration.ofSeconds(5)) < 0, url + " took " + f.elapsed());
    }
  }

  @Test
  void rule2_jwksHasOneOrTwoKeysForTheRoleAndAtMost100OfEachType() {
    List<JsonWebKey> keys = jwks().getJsonWebKeys();
    assertTrue(keys.size() >= 1 && keys.size() <= 2, keys.size() + " keys");
    assertTrue(keys.stream().filter(k -> k.getKeyType().equals("RSA")).count() <= 100);
    assertTrue(keys.stream().filter(k -> k.getKeyType().equals("EC")).count() <= 100);
    Set<String> kids = new HashSet<>();
    for (JsonWebKey k : keys) assertTrue(kids.add(k.getKeyId()), "kids are unique: " + k.getKeyId());
  }

  @Test
  void rule2_everyJwkHasKtyKidUseSigAlgAndItsPublicMembersOnly() throws Exception {
    StsVerifier.Fetched f = sts.fetch(issuer() + "/jwks.json");
    List<?> keys = (List<?>) f.json().get("keys");
    for (Object o : keys) {
      @SuppressWarnings("unchecked")
      Map<String, Object> k = (Map<String, Object>) o;
      assertInstanceOf(String.class, k.get("kid"), k.toString());
      assertFalse(((String) k.get("kid")).isEmpty());
      assertEquals("sig", k.get("use"), k.toString());
      assertTrue(StsVerifier.ACCEPTED_ALGS.contains(k.get("alg")), k.toString());
      if ("RSA".equals(k.get("kty"))) {
        assertEquals(Set.of("kty", "kid", "use", "alg", "n", "e"), k.keySet(), k.toString());
      } else {
        assertEquals("EC", k.get("kty"), k.toString());
        assertEquals(Set.of("kty", "kid", "use", "alg", "crv", "x", "y"), k.keySet(), k.toString());
      }
      for (String p : PRIVATE_MEMBERS) assertFalse(k.containsKey(p), "private member " + p + " published");
    }
  }

  @Test
  void rule2_everyKidIsTheRfc7638ThumbprintOfItsKey() throws Exception {
    for (JsonWebKey k : jwks().getJsonWebKeys()) {
      assertEquals(k.calculateBase64urlEncodedThumbprint("SHA-256"), k.getKeyId());
    }
  }

  // ---------------------------------------------------------------- section 3: algorithms and keys

  @Test
  void rule3_tokenAlgIsOneStsAcceptsAndTheRolesOwn() {
    assertTrue(StsVerifier.ACCEPTED_ALGS.contains((String) rawHeader.get("alg")));
    assertEquals(s.algorithm().name(), rawHeader.get("alg"));
  }

  @Test
  void rule3_rsaKeysAreAtLeast2048BitsAndEcKeysAreOnP256() {
    for (JsonWebKey k : jwks().getJsonWebKeys()) {
      if (k instanceof RsaJsonWebKey rsa) {
        RSAPublicKey pub = rsa.getRsaPublicKey();
        assertTrue(pub.getModulus().bitLength() >= 2048, pub.getModulus().bitLength() + " bits");
        assertEquals(BigInteger.valueOf(65537), pub.getPublicExponent());
        assertEquals("RS256", k.getAlgorithm());
      } else {
        EllipticCurveJsonWebKey ec = assertInstanceOf(EllipticCurveJsonWebKey.class, k);
        assertEquals(EllipticCurves.P_256, ec.getCurveName());
        assertEquals(256, ((ECPublicKey) ec.getKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals("ES256", k.getAlgorithm());
      }
    }
  }

  @Test
  void rule3_theSignatureVerifiesWithJose4jAgainstTheFetchedJwks() throws Exception {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setCompactSerialization(s.token());
    JsonWebKey key = jwks().getJsonWebKeys().stream().filter(k -> kid().equals(k.getKeyId())).findFirst().orElseThrow();
    jws.setKey(key.getKey());
    assertTrue(jws.verifySignature());
  }

  @Test
  void rule3_aTamperedTokenFailsTheSameCheck() {
    String[] p = s.token().split("\\.");
    String otherSub = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(java.util.Base64.getUrlDecoder().decode(p[1])).replace("\"sub\":\"" + s.engineer() + "\"",
            "\"sub\":\"mallory\"").getBytes());
    assertThrows(StsVerifier.StsRefusal.class, () -> sts.assumeRoleWithWebIdentity(p[0] + "." + otherSub + "." + p[2]));
  }

  // ---------------------------------------------------------------- section 4: the token

  @Test
  void rule4_headerHasAlgKidAndTypJwtOnly() {
    assertEquals("JWT", rawHeader.get("typ"));
    assertNotNull(kid());
    assertEquals(Set.of("alg", "kid", "typ"), rawHeader.keySet(), "no other header: " + rawHeader);
  }

  @Test
  void rule4_headerKidIsPublishedInTheJwks() {
    assertTrue(jwks().getJsonWebKeys().stream().anyMatch(k -> kid().equals(k.getKeyId())), kid());
  }

  @Test
  void rule4_issIsTheRolesIssuer() throws Exception {
    assertEquals(issuer(), verified.getIssuer());
    assertTrue(verified.getIssuer().startsWith("https://"));
  }

  @Test
  void rule4_audIsTheSingleStringStsAmazonawsCom() {
    assertEquals("sts.amazonaws.com", rawClaims.get("aud"), "a string, not an array: " + rawClaims.get("aud"));
    assertNull(rawClaims.get("azp"));
  }

  @Test
  void rule4_subIsAlwaysPresentAndIsTheEngineerId() throws Exception {
    assertEquals(s.engineer(), verified.getSubject());
  }

  @Test
  void rule4_iatNbfAndExpAreWholeSecondIntegers() {
    for (String c : List.of("iat", "nbf", "exp")) {
      assertInstanceOf(Long.class, rawClaims.get(c), c + " must be an integer, not " + rawClaims.get(c));
    }
    String payload = new String(java.util.Base64.getUrlDecoder().decode(s.token().split("\\.")[1]));
    assertFalse(payload.matches(".*\"(iat|nbf|exp)\":\\s*-?\\d+\\.\\d.*"), "no fractions: " + payload);
  }

  @Test
  void rule4_lifetimeIsTokensLifetimeAtMostAnHourStartingNow() {
    long iat = (Long) rawClaims.get("iat");
    long nbf = (Long) rawClaims.get("nbf");
    long exp = (Long) rawClaims.get("exp");
    long lifetime = s.idp().config().tokens().lifetime().getSeconds();
    assertEquals(iat, nbf);
    assertEquals(lifetime, exp - iat);
    assertTrue(exp - iat <= 3600);
    assertTrue(Math.abs(iat - s.idp().clock().instant().getEpochSecond()) <= 1, "iat is now");
  }

  @Test
  void rule4_anExpiredTokenIsRefusedAsExpiredTokenException() {
    long exp = (Long) rawClaims.get("exp");
    MutableClock later = new MutableClock(java.time.Instant.ofEpochSecond(exp + 1));
    StsVerifier stsLater = new StsVerifier(s.idp().baseUrl("public"), "sts.amazonaws.com", later);
    // the JWKS may be gone by then (role expired): either way STS refuses
    StsVerifier.StsRefusal r = assertThrows(StsVerifier.StsRefusal.class,
        () -> stsLater.assumeRoleWithWebIdentity(s.token()));
    assertTrue(r.getMessage().startsWith("ExpiredTokenException")
        || r.getMessage().contains("Couldn't retrieve verification key"), r.getMessage());
  }

  @Test
  void rule4_wholeTokenIsBetween4And20000Characters() {
    assertTrue(s.token().length() >= 4 && s.token().length() <= 20000, s.token().length() + " characters");
  }

  @Test
  void rule4_sourceIdentityIs2To64CharactersOfTheAllowedSetAndNamesTheEngineer() {
    Object si = rawClaims.get("https://aws.amazon.com/source_identity");
    assertInstanceOf(String.class, si);
    assertTrue(StsVerifier.SOURCE_IDENTITY.matcher((String) si).matches(), (String) si);
    assertEquals(s.engineer(), si);
  }

  @Test
  void rule4_noSessionTagsBecauseTheTrustPolicyDoesNotAllowTagSession() {
    assertFalse(rawClaims.containsKey("https://aws.amazon.com/tags"));
  }

  @Test
  void rule4_jtiIsPresentAndFreshForEveryToken() {
    Object jti = rawClaims.get("jti");
    assertInstanceOf(String.class, jti);
    String another = s.idp().mint(s.account(), s.engineer());
    assertNotEquals(jti, claimsOf(another).get("jti"));
  }

  // ---------------------------------------------------------------- section 6: the trust policy

  @SuppressWarnings("unchecked")
  private Map<String, Object> statement() {
    Map<String, Object> policy = (Map<String, Object>) s.idp().roleJson(s.account(), s.engineer()).get("trust_policy");
    assertEquals("2012-10-17", policy.get("Version"));
    List<Object> statements = (List<Object>) policy.get("Statement");
    assertEquals(1, statements.size());
    return (Map<String, Object>) statements.get(0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void rule6_trustPolicyPrincipalIsTheRolesProviderArn() {
    Map<String, Object> st = statement();
    assertEquals("Allow", st.get("Effect"));
    assertEquals(Map.of("Federated", StsVerifier.providerArn(s.account(), issuer())), st.get("Principal"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void rule6_trustPolicyConditionsAreTheProviderUrlKeysAndTheTokenSatisfiesThem() throws Exception {
    Map<String, Object> cond = (Map<String, Object>) statement().get("Condition");
    assertEquals(Set.of("StringEquals"), cond.keySet());
    Map<String, Object> eq = (Map<String, Object>) cond.get("StringEquals");
    String providerUrl = issuer().substring("https://".length());
    assertEquals(Set.of(providerUrl + ":aud", providerUrl + ":sub"), eq.keySet());
    // IAM evaluates these against the verified token
    assertEquals(eq.get(providerUrl + ":aud"), verified.getAudience().get(0));
    assertEquals(eq.get(providerUrl + ":sub"), verified.getSubject());
  }

  @Test
  @SuppressWarnings("unchecked")
  void rule6_trustPolicyActionsMatchWhatTheTokenCarries() {
    List<Object> actions = (List<Object>) statement().get("Action");
    assertTrue(actions.contains("sts:AssumeRoleWithWebIdentity"));
    assertEquals(rawClaims.containsKey("https://aws.amazon.com/source_identity"),
        actions.contains("sts:SetSourceIdentity"));
    assertEquals(rawClaims.containsKey("https://aws.amazon.com/tags"), actions.contains("sts:TagSession"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void rule6_aTokenOfAnotherEngineerInTheSameAccountDoesNotSatisfyThisTrustPolicy() throws Exception {
    // the sub condition (and the per-role issuer) keep one engineer out of another's role in the same account
    String other = s.engineer() + "-other";
    if (s.idp().server().directory().active(new com.doit.idp.role.RoleId(s.account(), other)).isEmpty()) {
      s.idp().createRole(s.account(), other, s.algorithm());
    }
    JwtClaims theirs = sts.assumeRoleWithWebIdentity(s.idp().mint(s.account(), other));
    Map<String, Object> eq = (Map<String, Object>) ((Map<String, Object>) statement().get("Condition")).get("StringEquals");
    String providerUrl = issuer().substring("https://".length());
    assertNotEquals(eq.get(providerUrl + ":sub"), theirs.getSubject());
    assertNotEquals(issuer(), theirs.getIssuer(), "their token names their provider, not this one");
  }

  private static Map<String, Object> claimsOf(String token) {
    try {
      return JsonUtil.parseJson(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1])));
    } catch (JoseException e) {
      throw new AssertionError(e);
    }
  }
}
