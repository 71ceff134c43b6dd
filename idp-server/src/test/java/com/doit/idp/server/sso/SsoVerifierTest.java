package com.doit.idp.server.sso;

import com.doit.idp.role.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.server.sso.SsoException.Reason;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SsoVerifier} against a real SSO issuer (mock-oauth2-server over HTTP on a loopback port). */
class SsoVerifierTest {
  private static SsoTestIssuer issuer;
  private static RSAKey foreignKey;
  private MutableClock clock;
  private SsoVerifier verifier;

  @BeforeAll
  static void startIssuer() throws Exception {
    issuer = new SsoTestIssuer();
    foreignKey = new RSAKeyGenerator(2048).keyID(issuer.signingKey().getKeyID()).generate();
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @BeforeEach
  void newVerifier() {
    clock = new MutableClock(Instant.now());
    verifier = new SsoVerifier(issuer.issuer(), SsoTestIssuer.config(), clock);
  }

  private void assertRefused(Reason reason, String token) {
    SsoException e = assertThrows(SsoException.class, () -> verifier.verify(token));
    assertEquals(reason, e.reason(), () -> "reason; description was: " + e.getMessage());
    if (token != null && token.length() > 20) {
      assertFalse(e.getMessage().contains(token.substring(0, 20)), "the description must not echo the token");
    }
  }

  private JWTClaimsSet.Builder claims(String email) {
    return issuer.claimsAt(clock.instant(), email);
  }

  @Test
  void anIdTokenFromTheIssuerNamesTheEngineerByTheLowerCasedLocalPart() {
    VerifiedEngineer e = verifier.verify(issuer.idToken("Alice.Smith@DoiT.com"));
    assertEquals("alice.smith", e.engineer());
    assertEquals("Alice.Smith@DoiT.com", e.email());
  }

  @Test
  void anyConfiguredAudienceInAnAudienceArrayIsAccepted() {
    String t = issuer.signWithIssuerKey(claims("bob@doit.com").audience(List.of("x", SsoTestIssuer.AUDIENCE)).build());
    assertEquals("bob", verifier.verify(t).engineer());
    assertEquals("bob", verifier.verify(issuer.idToken("other-client", SsoTestIssuer.claims("bob@doit.com", true), 600)).engineer());
  }

  @Test
  void theVerifierIsReadyOnceTheIssuersKeysAreLoaded() {
    assertTrue(verifier.isReady());
  }

  @Test
  void aVerifierWhoseIssuerIsDownIsNotReadyAndSaysTheIssuerIsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SsoVerifier down = new SsoVerifier(URI.create("http://127.0.0.1:" + port + "/sso"), SsoTestIssuer.config(), clock);
    assertFalse(down.isReady());
    SsoException e = assertThrows(SsoException.class, () -> down.verify(issuer.idToken("a.b@doit.com")));
    assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
    assertTrue(e.unavailable());
  }

  @Test
  void aDiscoveryDocumentNamingAnotherIssuerIsNotTrusted() {
    // the configured issuer has a trailing slash; the document says it without: not exactly the same issuer
    SsoVerifier slash = new SsoVerifier(URI.create(issuer.issuer() + "/"), SsoTestIssuer.config(), clock);
    SsoException e = assertThrows(SsoException.class, () -> slash.verify(issuer.idToken("a.b@doit.com")));
    assertEquals(Reason.SSO_UNAVAILABLE, e.reason());
    assertFalse(slash.isReady());
  }

  // --- signature and algorithm attacks

  @Test
  void anUnsignedTokenWithAlgNoneIsRefused() {
    assertRefused(Reason.UNSUPPORTED_ALG, new PlainJWT(claims("a@doit.com").build()).serialize());
  }

  @Test
  void anHs256TokenKeyedWithTheIssuersRsaPublicKeyIsRefused() throws Exception {
    RSAKey pub = issuer.signingKey().toPublicJWK();
    for (byte[] secret : List.of(pub.toRSAPublicKey().getEncoded(), pub.toJSONString().getBytes())) {
      String t = SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(pub.getKeyID()).build(),
          claims("a@doit.com").build(), new MACSigner(secret));
      assertRefused(Reason.UNSUPPORTED_ALG, t);
    }
  }

  @Test
  void aPs256TokenSignedWithTheIssuersOwnKeyIsRefused() {
    RSAKey k = issuer.signingKey();
    String t = SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID(k.getKeyID()).build(),
        claims("a@doit.com").build(), SsoTestIssuer.signer(k));
    assertRefused(Reason.UNSUPPORTED_ALG, t);
  }

  @Test
  void aTokenSignedWithAForeignKeyUnderTheIssuersKidHasABadSignature() {
    String t = SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(foreignKey.getKeyID()).build(),
        claims("a@doit.com").build(), SsoTestIssuer.signer(foreignKey));
    assertRefused(Reason.BAD_SIGNATURE, t);
  }

  @Test
  void aTokenWhosePayloadWasChangedAfterSigningHasABadSignature() throws Exception {
    String[] parts = issuer.idToken("a@doit.com").split("\\.");
    String forged = Base64URL.encode(claims("victim@doit.com").build().toString()).toString();
    assertRefused(Reason.BAD_SIGNATURE, parts[0] + "." + forged + "." + parts[2]);
  }

  @Test
  void aTokenWithAKidTheIssuerDoesNotPublishIsRefused() throws Exception {
    RSAKey other = new RSAKeyGenerator(2048).keyID("not-a-kid-of-the-issuer").generate();
    assertRefused(Reason.UNKNOWN_KID, SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(other.getKeyID()).build(),
        claims("a@doit.com").build(), SsoTestIssuer.signer(other)));
    assertRefused(Reason.UNKNOWN_KID, SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).build(),
        claims("a@doit.com").build(), SsoTestIssuer.signer(issuer.signingKey())));
  }

  @Test
  void keysNamedInTheTokenHeaderAreRefusedAndNeverFetched() throws Exception {
    RSAKey attacker = new RSAKeyGenerator(2048).keyID(issuer.signingKey().getKeyID()).generate();
    try (CountingServer evil = new CountingServer()) {
      evil.answer("/jwks", CountingServer.Answer.json("{\"keys\":[" + attacker.toPublicJWK().toJSONString() + "]}"));
      List<JWSHeader> headers = List.of(
          new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attacker.getKeyID()).jwkURL(URI.create(evil.url("/jwks"))).build(),
          new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attacker.getKeyID()).x509CertURL(URI.create(evil.url("/cert"))).build(),
          new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attacker.getKeyID()).jwk(attacker.toPublicJWK()).build());
      for (JWSHeader h : headers) {
        assertRefused(Reason.FORBIDDEN_HEADER, SsoTestIssuer.sign(h, claims("a@doit.com").build(), SsoTestIssuer.signer(attacker)));
        // signed by the issuer's real key, a header naming other keys is still refused
        assertRefused(Reason.FORBIDDEN_HEADER, SsoTestIssuer.sign(h, claims("a@doit.com").build(), SsoTestIssuer.signer(issuer.signingKey())));
      }
      assertEquals(0, evil.total(), "a URL named in a token header must never be fetched");
    }
  }

  @Test
  void somethingThatIsNotAJwtIsMalformed() {
    for (String t : new String[] {null, "", "abc", "a.b.c", "eyJ.eyJ.sig", "x".repeat(SsoVerifier.MAX_TOKEN_CHARS + 1)}) {
      assertRefused(Reason.MALFORMED, t);
    }
  }

  @Test
  void hostileInputIsRefusedWithAReasonNeverWithAnotherException() {
    java.util.Random random = new java.util.Random(42);
    List<String> inputs = new java.util.ArrayList<>();
    String deep = "[".repeat(5000) + "]".repeat(5000);
    inputs.add(Base64URL.encode("{\"alg\":\"RS256\",\"x\":" + deep + "}") + ".e30.c2ln");
    inputs.add(Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"k\"}") + "." + Base64URL.encode("{\"a\":" + deep + "}") + ".c2ln");
    inputs.add(Base64URL.encode("{\"alg\":\"RS256\",\"kid\":7}") + ".e30.c2ln");
    inputs.add(Base64URL.encode("{\"alg\":null}") + ".e30.c2ln");
    inputs.add(Base64URL.encode("[]") + ".e30.c2ln");
    inputs.add("e30.e30.e30.e30.e30");
    inputs.add("...");
    inputs.add("\u0000.\u0000.\u0000");
    for (int i = 0; i < 300; i++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(200);
      for (int j = 0; j < n; j++) b.append((char) (random.nextBoolean() ? "eyJ.=_-+/".charAt(random.nextInt(9)) : random.nextInt(0x3000)));
      inputs.add(b.toString());
    }
    for (String t : inputs) {
      SsoException e = assertThrows(SsoException.class, () -> verifier.verify(t));
      assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.UNSUPPORTED_ALG || e.reason() == Reason.UNKNOWN_KID,
          () -> e.reason() + " for input of length " + t.length());
    }
  }

  @Test
  void anOversizedTokenFromTheIssuerIsMalformed() {
    String big = issuer.signWithIssuerKey(claims("a@doit.com").claim("pad", "x".repeat(SsoVerifier.MAX_TOKEN_CHARS)).build());
    assertRefused(Reason.MALFORMED, big);
  }

  // --- issuer and audience

  @Test
  void aTokenOfAnotherIssuerSignedWithTheRightKeyIsRefused() {
    assertRefused(Reason.WRONG_ISSUER, issuer.signWithIssuerKey(claims("a@doit.com").issuer("https://evil.example/sso").build()));
    assertRefused(Reason.WRONG_ISSUER, issuer.signWithIssuerKey(claims("a@doit.com").issuer(issuer.issuer() + "/").build()));
    assertRefused(Reason.WRONG_ISSUER, issuer.signWithIssuerKey(claims("a@doit.com").issuer(null).build()));
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    assertRefused(Reason.WRONG_AUDIENCE, issuer.idToken("someone-else", SsoTestIssuer.claims("a@doit.com", true), 600));
    assertRefused(Reason.WRONG_AUDIENCE, issuer.signWithIssuerKey(claims("a@doit.com").audience((String) null).build()));
    assertRefused(Reason.WRONG_AUDIENCE, issuer.signWithIssuerKey(claims("a@doit.com").claim("aud", java.util.Arrays.asList(null, 7)).build()));
  }

  // --- times

  @Test
  void aTokenWithoutExpOrIatIsRefused() {
    assertRefused(Reason.MISSING_CLAIM, issuer.signWithIssuerKey(claims("a@doit.com").expirationTime(null).build()));
    assertRefused(Reason.MISSING_CLAIM, issuer.signWithIssuerKey(claims("a@doit.com").issueTime(null).build()));
  }

  @Test
  void anExpiredTokenIsRefusedWithAFewSecondsOfLeewayAndNoMore() throws Exception {
    String t = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", true), 600);
    Instant exp = SignedJWT.parse(t).getJWTClaimsSet().getExpirationTime().toInstant();
    clock.set(exp.plus(SsoVerifier.CLOCK_SKEW).minusSeconds(1));
    assertEquals("a", verifier.verify(t).engineer());
    clock.set(exp.plus(SsoVerifier.CLOCK_SKEW));
    assertRefused(Reason.EXPIRED, t);
  }

  @Test
  void aTokenIssuedMoreThanSixtySecondsInTheFutureIsRefused() throws Exception {
    String t = issuer.idToken("a@doit.com");
    Instant iat = SignedJWT.parse(t).getJWTClaimsSet().getIssueTime().toInstant();
    clock.set(iat.minusSeconds(60));
    assertEquals("a", verifier.verify(t).engineer());
    clock.set(iat.minusSeconds(61));
    assertRefused(Reason.ISSUED_IN_FUTURE, t);
  }

  @Test
  void aTokenNotValidBeforeALaterTimeIsRefused() {
    Instant now = clock.instant();
    assertRefused(Reason.NOT_YET_VALID, issuer.signWithIssuerKey(claims("a@doit.com").notBeforeTime(Date.from(now.plusSeconds(120))).build()));
  }

  @Test
  void aTokenIssuedLongerAgoThanMaxAgeIsRefusedEvenIfNotExpired() throws Exception {
    String t = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", true), 3 * 3600);
    Instant iat = SignedJWT.parse(t).getJWTClaimsSet().getIssueTime().toInstant();
    clock.set(iat.plus(Duration.ofHours(1)));
    assertEquals("a", verifier.verify(t).engineer());
    clock.set(iat.plus(Duration.ofHours(1)).plusSeconds(1));
    assertRefused(Reason.TOO_OLD, t);
  }

  // --- email and engineer id

  @Test
  void aTokenWithoutAnEmailIsRefused() {
    assertRefused(Reason.EMAIL_MISSING, issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims(null, true), 600));
    assertRefused(Reason.EMAIL_MISSING, issuer.signWithIssuerKey(claims(null).claim("email", 42).build()));
    assertRefused(Reason.EMAIL_MISSING, issuer.signWithIssuerKey(claims("").build()));
  }

  @Test
  void anEmailThatIsNotAnAddressIsRefused() {
    for (String email : List.of("doit.com", "@doit.com", "a@", ("a".repeat(250)) + "@doit.com")) {
      assertRefused(Reason.BAD_EMAIL, issuer.signWithIssuerKey(claims(email).build()));
    }
  }

  @Test
  void anUnverifiedEmailIsRefusedUnlessTheConfigurationAllowsIt() {
    assertRefused(Reason.EMAIL_UNVERIFIED, issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", false), 600));
    assertRefused(Reason.EMAIL_UNVERIFIED, issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", null), 600));
    assertRefused(Reason.EMAIL_UNVERIFIED, issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", "true"), 600));
    IdpConfig.Sso c = SsoTestIssuer.config();
    SsoVerifier lax = new SsoVerifier(issuer.issuer(),
        new IdpConfig.Sso(c.issuer(), c.audiences(), c.allowedDomains(), false, c.maxAge(),
            c.engineerId(), c.requiredClaims()), clock);
    assertEquals("a", lax.verify(issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", null), 600)).engineer());
  }

  @Test
  void anEmailOfADomainNotExactlyAllowedIsRefusedSubdomainsIncluded() {
    for (String email : List.of("a@evil.com", "a@eu.doit.com", "a@evildoit.com", "a@doit.com.evil.com", "a@doit.co", "a@doit.com.")) {
      assertRefused(Reason.FOREIGN_DOMAIN, issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims(email, true), 600));
    }
    assertEquals("a", verifier.verify(issuer.idToken("a@DOIT.COM")).engineer());
  }

  @Test
  void anEmailWhoseLocalPartIsNotAnEngineerIdIsRefused() {
    for (String local : List.of("a+b", "-a", ".a", "a b", "a/b", "é", "a".repeat(52))) {
      assertRefused(Reason.BAD_ENGINEER_ID, issuer.signWithIssuerKey(claims(local + "@doit.com").build()));
    }
    assertEquals("a".repeat(51), verifier.verify(issuer.idToken("a".repeat(51) + "@doit.com")).engineer());
  }

  @Test
  void refusalsDescribeTheReasonWithoutEchoingTokenContent() {
    SsoException e = assertThrows(SsoException.class,
        () -> verifier.verify(issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("mallory@evil.com", true), 600)));
    assertNotNull(e.getMessage());
    assertFalse(e.getMessage().contains("mallory"));
    assertFalse(e.getMessage().contains("evil.com"));
    assertEquals("foreign_domain", e.reason().code());
  }

  @Test
  void harmlessExtraHeaderParametersDoNotStopAValidToken() {
    RSAKey k = issuer.signingKey();
    String t = SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(k.getKeyID())
        .type(JOSEObjectType.JWT).customParam("x", Map.of()).build(), claims("a@doit.com").build(), SsoTestIssuer.signer(k));
    assertEquals("a", verifier.verify(t).engineer());
  }

  // --- one engineer id per person (issue 9 point 1)

  private SsoVerifier verifier(IdpConfig.EngineerIdForm form, String... domains) {
    IdpConfig.Sso c = SsoTestIssuer.config();
    return new SsoVerifier(issuer.issuer(), new IdpConfig.Sso(c.issuer(), c.audiences(), List.of(domains),
        c.requireEmailVerified(), c.maxAge(), form, c.requiredClaims()), clock);
  }

  @Test
  void aLocalPartIsCheckedAsAsciiBeforeItIsLowerCasedSoAKelvinSignIsNotTheLetterK() {
    // U+212A KELVIN SIGN lower-cases to an ASCII k: "<U+212A>ate" would have become engineer "kate"
    for (String local : List.of("\u212Aate", "\u212A", "ka\u212A", "\u0130van", "\u017Fam")) {
      assertRefused(Reason.BAD_ENGINEER_ID, issuer.signWithIssuerKey(claims(local + "@doit.com").build()));
    }
    assertEquals("kate", verifier.verify(issuer.idToken("Kate@doit.com")).engineer());
  }

  @Test
  void aDomainIsCheckedAsAsciiBeforeItIsLowerCased() {
    SsoVerifier k = verifier(IdpConfig.EngineerIdForm.LOCAL_PART, "kelvin.example");
    SsoException e = assertThrows(SsoException.class,
        () -> k.verify(issuer.signWithIssuerKey(claims("a@\u212Aelvin.example").build())));
    assertEquals(Reason.FOREIGN_DOMAIN, e.reason());
    assertEquals("a", k.verify(issuer.signWithIssuerKey(claims("a@Kelvin.example").build())).engineer());
  }

  @Test
  void severalDomainsWithLocalPartIdsAreRefusedSoTwoPeopleNeverShareAnId() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> verifier(IdpConfig.EngineerIdForm.LOCAL_PART, "doit.com", "doit-intl.com"));
    assertTrue(e.getMessage().contains("sso.engineer-id"), e.getMessage());
  }

  @Test
  void withEmailIdsTheSameLocalPartInTwoDomainsIsTwoEngineers() {
    SsoVerifier v = verifier(IdpConfig.EngineerIdForm.EMAIL, "doit.com", "doit-intl.com");
    assertEquals("bob@doit.com", v.verify(issuer.idToken("bob@doit.com")).engineer());
    assertEquals("bob@doit-intl.com", v.verify(issuer.idToken("Bob@DoiT-Intl.com")).engineer());
    assertEquals("Bob@DoiT-Intl.com", v.verify(issuer.idToken("Bob@DoiT-Intl.com")).email());
    SsoException kelvin = assertThrows(SsoException.class,
        () -> v.verify(issuer.signWithIssuerKey(claims("\u212Aate@doit.com").build())));
    assertEquals(Reason.BAD_ENGINEER_ID, kelvin.reason());
    SsoException foreign = assertThrows(SsoException.class, () -> v.verify(issuer.idToken("bob@evil.com")));
    assertEquals(Reason.FOREIGN_DOMAIN, foreign.reason());
  }

  @Test
  void anEmailIdOverFiftyOneCharactersIsRefusedWithADescriptionThatSaysSo() {
    SsoVerifier v = verifier(IdpConfig.EngineerIdForm.EMAIL, "doit-intl.com");
    String fits = "a".repeat(51 - "@doit-intl.com".length()) + "@doit-intl.com";
    assertEquals(fits, v.verify(issuer.idToken(fits)).engineer());
    SsoException e = assertThrows(SsoException.class, () -> v.verify(issuer.idToken("a" + fits)));
    assertEquals(Reason.BAD_ENGINEER_ID, e.reason());
    assertTrue(e.getMessage().contains("51"), e.getMessage());
  }

  // --- sub and sso.required-claims (issue 9 point 2)

  @Test
  void aTokenWithoutASubjectIsRefusedAsOpenIdConnectRequiresOne() {
    assertRefused(Reason.MISSING_CLAIM, issuer.signWithIssuerKey(claims("a@doit.com").subject(null).build()));
    assertRefused(Reason.MISSING_CLAIM, issuer.signWithIssuerKey(claims("a@doit.com").subject("").build()));
    // a sub of another type than string (or number, which nimbus takes as its string) does not parse
    assertRefused(Reason.MALFORMED, issuer.signWithIssuerKey(claims("a@doit.com").claim("sub", List.of("s")).build()));
    SsoException e = assertThrows(SsoException.class,
        () -> verifier.verify(issuer.signWithIssuerKey(claims("a@doit.com").subject(null).build())));
    assertTrue(e.getMessage().contains("sub"), e.getMessage());
  }

  @Test
  void everyRequiredClaimMustBeThereWithExactlyItsStringValue() {
    IdpConfig.Sso c = SsoTestIssuer.config();
    SsoVerifier workspace = new SsoVerifier(issuer.issuer(), new IdpConfig.Sso(c.issuer(), c.audiences(),
        c.allowedDomains(), c.requireEmailVerified(), c.maxAge(), c.engineerId(),
        Map.of("hd", "doit.com", "tenant", "t-1")), clock);
    assertEquals("a", workspace.verify(issuer.signWithIssuerKey(claims("a@doit.com").claim("hd", "doit.com")
        .claim("tenant", "t-1").build())).engineer());
    for (JWTClaimsSet bad : List.of(
        claims("a@doit.com").claim("tenant", "t-1").build(),
        claims("a@doit.com").claim("hd", "doit.com").build(),
        claims("a@doit.com").claim("hd", "gmail.com").claim("tenant", "t-1").build(),
        claims("a@doit.com").claim("hd", "DOIT.COM").claim("tenant", "t-1").build(),
        claims("a@doit.com").claim("hd", List.of("doit.com")).claim("tenant", "t-1").build(),
        claims("a@doit.com").claim("hd", "doit.com").claim("tenant", 1).build())) {
      SsoException e = assertThrows(SsoException.class, () -> workspace.verify(issuer.signWithIssuerKey(bad)),
          bad::toString);
      assertEquals(Reason.REQUIRED_CLAIM, e.reason());
      assertFalse(e.getMessage().contains("gmail"), "the description names the rule, not the token's value");
    }
    SsoException e = assertThrows(SsoException.class,
        () -> workspace.verify(issuer.signWithIssuerKey(claims("a@doit.com").claim("tenant", "t-1").build())));
    assertTrue(e.getMessage().contains("hd"), e.getMessage());
  }

  // --- accepted tokens are kept by hash; every rule of time and configuration is applied again at each use

  @Test
  void aKeptTokenIsStillRefusedOnceExpiredOrOlderThanMaxAge() throws Exception {
    String t = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", true), 600);
    Instant exp = SignedJWT.parse(t).getJWTClaimsSet().getExpirationTime().toInstant();
    assertEquals("a", verifier.verify(t).engineer());
    assertEquals(1, verifier.verifiedTokens());
    assertEquals("a", verifier.verify(t, exp.plus(SsoVerifier.CLOCK_SKEW).minusSeconds(1)).engineer());
    SsoException expired = assertThrows(SsoException.class, () -> verifier.verify(t, exp.plus(SsoVerifier.CLOCK_SKEW)));
    assertEquals(Reason.EXPIRED, expired.reason());

    String longLived = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("b@doit.com", true), 3 * 3600);
    Instant iat = SignedJWT.parse(longLived).getJWTClaimsSet().getIssueTime().toInstant();
    assertEquals("b", verifier.verify(longLived, iat).engineer());
    SsoException old = assertThrows(SsoException.class, () -> verifier.verify(longLived, iat.plus(Duration.ofHours(1)).plusSeconds(1)));
    assertEquals(Reason.TOO_OLD, old.reason());
    SsoException future = assertThrows(SsoException.class, () -> verifier.verify(longLived, iat.minusSeconds(61)));
    assertEquals(Reason.ISSUED_IN_FUTURE, future.reason());
    assertEquals("b", verifier.verify(longLived, iat.plusSeconds(10)).engineer(), "and accepted again inside the rules");
  }

  @Test
  void aRefusedTokenIsNeverKeptAndStaysRefused() {
    Instant now = clock.instant();
    String notYet = issuer.signWithIssuerKey(claims("a@doit.com").notBeforeTime(Date.from(now.plusSeconds(120))).build());
    String foreign = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@evil.com", true), 600);
    String[] parts = issuer.idToken("a@doit.com").split("\\.");
    String forged = parts[0] + "." + Base64URL.encode(claims("victim@doit.com").build().toString()) + "." + parts[2];
    for (int round = 0; round < 3; round++) {
      assertRefused(Reason.NOT_YET_VALID, notYet);
      assertRefused(Reason.FOREIGN_DOMAIN, foreign);
      assertRefused(Reason.BAD_SIGNATURE, forged);
    }
    assertEquals(0, verifier.verifiedTokens());
    // once its nbf has come, the same token is judged afresh and accepted
    assertEquals("a", verifier.verify(notYet, now.plusSeconds(121)).engineer());
    assertEquals(1, verifier.verifiedTokens());
  }

  @Test
  void aKeptTokenChangedByOneCharacterIsVerifiedAfresh() {
    String t = issuer.idToken("a@doit.com");
    assertEquals("a", verifier.verify(t).engineer());
    // a character inside the signature (the last one also carries padding bits that decoding ignores)
    int i = t.length() - 10;
    String tampered = t.substring(0, i) + (t.charAt(i) == 'A' ? 'B' : 'A') + t.substring(i + 1);
    assertRefused(Reason.BAD_SIGNATURE, tampered);
    String[] parts = t.split("\\.");
    assertRefused(Reason.BAD_SIGNATURE, parts[0] + "." + Base64URL.encode(claims("victim@doit.com").build().toString())
        + "." + parts[2]);
  }

  @Test
  void aTokenIsKeptNoLongerThanTheIssuersKeysAreAndTheRulesOfEachVerifierApply() {
    String t = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", true), 3600);
    assertEquals("a", verifier.verify(t).engineer());
    assertEquals(1, verifier.verifiedTokens());
    clock.advance(SsoKeys.Fetching.DEFAULT.cacheTtl().plusSeconds(1));
    assertEquals(0, verifier.verifiedTokens(), "gone with the key cache's lifetime, though the token is valid");
    assertEquals("a", verifier.verify(t).engineer());
    // another verifier, with a rule this one lacks, judges the same token by its own rules
    IdpConfig.Sso c = SsoTestIssuer.config();
    SsoVerifier workspace = new SsoVerifier(issuer.issuer(), new IdpConfig.Sso(c.issuer(), c.audiences(),
        c.allowedDomains(), c.requireEmailVerified(), c.maxAge(), c.engineerId(), Map.of("hd", "doit.com")), clock);
    SsoException e = assertThrows(SsoException.class, () -> workspace.verify(t));
    assertEquals(Reason.REQUIRED_CLAIM, e.reason());
  }

  @Test
  void aTokenIsKeptNoLongerThanItsExpiry() throws Exception {
    String t = issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("a@doit.com", true), 60);
    Instant exp = SignedJWT.parse(t).getJWTClaimsSet().getExpirationTime().toInstant();
    assertEquals("a", verifier.verify(t).engineer());
    clock.set(exp.plus(SsoVerifier.CLOCK_SKEW).plusSeconds(1));
    assertEquals(0, verifier.verifiedTokens());
  }
}
