package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.RateLimit;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.role.HsmException;
import com.doit.idp.server.RequestContext;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.doit.idp.server.sso.SsoVerifier;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TokenExchangeService} end to end below HTTP: a real SSO issuer (mock-oauth2-server), roles created through
 * {@code RoleService} in a fake HSM, a real audit log file, a Prometheus registry; minted tokens checked with jose4j.
 */
class TokenExchangeServiceTest {
  private static final String A1 = "123456789012";
  private static final String A2 = "210987654321";
  private static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
  private static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
  private static final RequestContext CTX = new RequestContext("req-1", "192.0.2.7");

  private static SsoTestIssuer issuer;
  @TempDir Path dir;
  private TokenFixture f;
  private TokenExchangeService service;
  private final List<String> secrets = new ArrayList<>();

  @BeforeAll
  static void startIssuer() {
    issuer = new SsoTestIssuer();
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @BeforeEach
  void setUp() {
    f = new TokenFixture(dir);
    service = f.exchange(TokenFixture.verifier(issuer, f.clock), new RateLimit(60, Duration.ofMinutes(1)));
  }

  @AfterEach
  void noAuditLineEverHoldsATokenOrAnyPartOfIt() {
    String log = String.join("\n", f.auditLines());
    for (String s : secrets) {
      for (String part : s.split("\\.")) {
        if (part.length() > 8) assertFalse(log.contains(part), "a token (or a part of one) is in the audit log");
      }
    }
    f.close();
  }

  private String sso(String email) {
    String t = issuer.idToken(email);
    secrets.add(t);
    return t;
  }

  private static Map<String, List<String>> form(String... kv) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.computeIfAbsent(kv[i], k -> new ArrayList<>()).add(kv[i + 1]);
    return m;
  }

  private Map<String, List<String>> request(String subjectToken, String resource) {
    return form("grant_type", GRANT, "subject_token", subjectToken, "subject_token_type", ID_TOKEN, "resource", resource);
  }

  private String arn(String account, String engineer) {
    return f.names.roleArn(new RoleId(account, engineer));
  }

  private TokenResponse ok(Map<String, List<String>> form) {
    TokenResponse r = service.exchange(form, CTX);
    secrets.add(r.accessToken());
    return r;
  }

  private OAuthError refused(Map<String, List<String>> form) {
    return assertThrows(OAuthError.class, () -> service.exchange(form, CTX));
  }

  /** A refusal with its code, and its one audit line with the reason. */
  private OAuthError refused(String error, String reason, Map<String, List<String>> form) {
    int before = f.auditLines().size();
    OAuthError e = refused(form);
    assertEquals(error, e.code().code(), () -> "code for " + reason + ": " + e.description());
    assertDenied(before, reason);
    return e;
  }

  /** An HSM that cannot sign (or a stale role directory) propagates as itself, after its audit line. */
  private void refusedByTheHsm(Map<String, List<String>> form) {
    int before = f.auditLines().size();
    assertThrows(HsmException.class, () -> service.exchange(form, CTX));
    assertDenied(before, "hsm_unavailable");
  }

  private void assertDenied(int linesBefore, String reason) {
    List<String> lines = f.auditLines();
    assertEquals(linesBefore + 1, lines.size(), "one audit line per refusal");
    Map<String, Object> line = parse(lines.get(lines.size() - 1));
    assertEquals("token.denied", line.get("event"));
    assertEquals(reason, line.get("reason"));
    assertEquals("req-1", line.get("request_id"));
    assertEquals("192.0.2.7", line.get("remote_addr"));
  }

  private static Map<String, Object> parse(String line) {
    try {
      return JSONObjectUtils.parse(line);
    } catch (java.text.ParseException e) {
      throw new AssertionError(e);
    }
  }

  // --- success

  @Test
  void anEngineerExchangesAnSsoTokenForATokenOfTheirRoleThatStsAccepts() throws Exception {
    SupportRole role = f.create(A1, "alice", SigningAlgorithm.RS256);
    TokenResponse r = ok(request(sso("Alice@doit.com"), arn(A1, "alice")));
    assertEquals(300, r.expiresIn());
    JwtClaims c = StsCheck.verify(r.accessToken(), StsCheck.jwks(role, f.clock.instant()), f.names.issuer(role.id()),
        f.clock.instant());
    assertEquals("alice", c.getSubject());
    assertEquals("Alice@doit.com", c.getStringClaimValue("email"));

    Map<String, Object> line = parse(f.auditLines().get(f.auditLines().size() - 1));
    assertEquals("token.issued", line.get("event"));
    assertEquals("alice", line.get("engineer"));
    assertEquals(A1, line.get("account"));
    assertEquals(role.keys().get(0).kid(), line.get("kid"));
    assertEquals(c.getJwtId(), line.get("jti"));
    assertEquals("req-1", line.get("request_id"));
    assertEquals("192.0.2.7", line.get("remote_addr"));
    assertNull(line.get("reason"));

    Map<String, Object> body = r.toJson();
    assertEquals("urn:ietf:params:oauth:token-type:jwt", body.get("issued_token_type"));
    assertEquals("N_A", body.get("token_type"));
    assertEquals(300L, body.get("expires_in"));
    assertFalse(r.toString().contains(r.accessToken()));
  }

  @Test
  void theOptionalParametersAreAcceptedWithTheirOnlyValuesAndUnknownOnesIgnored() throws Exception {
    SupportRole role = f.create(A1, "alice", SigningAlgorithm.ES256);
    Map<String, List<String>> form = request(sso("alice@doit.com"), arn(A1, "alice"));
    form.put("subject_token_type", List.of("urn:ietf:params:oauth:token-type:jwt"));
    form.put("audience", List.of("sts.amazonaws.com"));
    form.put("requested_token_type", List.of("urn:ietf:params:oauth:token-type:jwt"));
    form.put("scope", List.of("openid"));
    form.put("whatever", List.of("x", "y"));
    TokenResponse r = ok(form);
    StsCheck.verify(r.accessToken(), StsCheck.jwks(role, f.clock.instant()), f.names.issuer(role.id()), f.clock.instant());
  }

  // --- invalid_request and unsupported_grant_type

  @Test
  void aGrantTypeOtherThanTokenExchangeIsUnsupported() {
    Map<String, List<String>> form = request(sso("alice@doit.com"), arn(A1, "alice"));
    form.put("grant_type", List.of("authorization_code"));
    refused("unsupported_grant_type", "unsupported_grant_type", form);
  }

  @Test
  void aMissingOrEmptyRequiredParameterIsAnInvalidRequest() {
    String t = sso("alice@doit.com");
    for (String name : List.of("grant_type", "subject_token", "subject_token_type", "resource")) {
      Map<String, List<String>> missing = request(t, arn(A1, "alice"));
      missing.remove(name);
      refused("invalid_request", "invalid_request", missing);
      Map<String, List<String>> empty = request(t, arn(A1, "alice"));
      empty.put(name, List.of(""));
      refused("invalid_request", "invalid_request", empty);
    }
  }

  @Test
  void aRepeatedParameterIsAnInvalidRequest() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    for (String name : List.of("grant_type", "subject_token", "subject_token_type", "resource")) {
      Map<String, List<String>> form = request(t, arn(A1, "alice"));
      form.put(name, List.of(form.get(name).get(0), form.get(name).get(0)));
      refused("invalid_request", "invalid_request", form);
    }
    for (String[] p : List.of(new String[] {"audience", "sts.amazonaws.com"},
        new String[] {"requested_token_type", "urn:ietf:params:oauth:token-type:jwt"})) {
      Map<String, List<String>> form = request(t, arn(A1, "alice"));
      form.put(p[0], List.of(p[1], p[1]));
      refused("invalid_request", "invalid_request", form);
    }
  }

  @Test
  void malformedParametersAreInvalidRequests() {
    String t = sso("alice@doit.com");
    Map<String, List<String>> type = request(t, arn(A1, "alice"));
    type.put("subject_token_type", List.of("urn:ietf:params:oauth:token-type:access_token"));
    refused("invalid_request", "invalid_request", type);
    Map<String, List<String>> requested = request(t, arn(A1, "alice"));
    requested.put("requested_token_type", List.of("urn:ietf:params:oauth:token-type:saml2"));
    refused("invalid_request", "invalid_request", requested);
    Map<String, List<String>> actor = request(t, arn(A1, "alice"));
    actor.put("actor_token", List.of(t));
    refused("invalid_request", "invalid_request", actor);
    refused("invalid_request", "invalid_request", request(t, "arn:aws:iam::" + A1 + ":role/" + "x".repeat(3000)));
  }

  // --- invalid_grant: every SSO refusal maps through with its reason

  @Test
  void everySsoRefusalIsAnInvalidGrantWithTheVerifiersReason() throws Exception {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    java.time.Instant now = f.clock.instant();
    RSAKey foreign = new RSAKeyGenerator(2048).keyID(issuer.signingKey().getKeyID()).generate();
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("malformed", "not-a-jwt");
    tokens.put("unsupported_alg", new PlainJWT(issuer.claimsAt(now, "alice@doit.com").build()).serialize());
    tokens.put("forbidden_header", SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k")
        .jwkURL(URI.create("http://127.0.0.1:1/jwks")).build(), issuer.claimsAt(now, "alice@doit.com").build(),
        SsoTestIssuer.signer(issuer.signingKey())));
    tokens.put("unknown_kid", SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("nope").build(),
        issuer.claimsAt(now, "alice@doit.com").build(), SsoTestIssuer.signer(foreign)));
    tokens.put("bad_signature", SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(foreign.getKeyID()).build(),
        issuer.claimsAt(now, "alice@doit.com").build(), SsoTestIssuer.signer(foreign)));
    tokens.put("wrong_issuer", issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com").issuer("https://evil").build()));
    tokens.put("wrong_audience", issuer.idToken("nobody", SsoTestIssuer.claims("alice@doit.com", true), 600));
    tokens.put("missing_claim", issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com").issueTime(null).build()));
    tokens.put("expired", issuer.signWithIssuerKey(issuer.claimsAt(now.minusSeconds(900), "alice@doit.com")
        .expirationTime(java.util.Date.from(now.minusSeconds(10))).build()));
    tokens.put("not_yet_valid", issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com")
        .notBeforeTime(java.util.Date.from(now.plusSeconds(300))).build()));
    tokens.put("issued_in_future", issuer.signWithIssuerKey(issuer.claimsAt(now.plusSeconds(120), "alice@doit.com").build()));
    tokens.put("too_old", issuer.signWithIssuerKey(issuer.claimsAt(now.minusSeconds(7200), "alice@doit.com")
        .expirationTime(java.util.Date.from(now.plusSeconds(600))).build()));
    tokens.put("email_missing", issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims(null, true), 600));
    tokens.put("bad_email", issuer.signWithIssuerKey(issuer.claimsAt(now, "alice").build()));
    tokens.put("email_unverified", issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("alice@doit.com", false), 600));
    tokens.put("foreign_domain", issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("alice@sub.doit.com", true), 600));
    tokens.put("bad_engineer_id", issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("alice+x@doit.com", true), 600));
    tokens.put("hs256_with_public_key", SsoTestIssuer.sign(new JWSHeader.Builder(JWSAlgorithm.HS256)
        .keyID(issuer.signingKey().getKeyID()).build(), issuer.claimsAt(now, "alice@doit.com").build(),
        new MACSigner(issuer.signingKey().toRSAPublicKey().getEncoded())));

    for (Map.Entry<String, String> e : tokens.entrySet()) {
      secrets.add(e.getValue());
      String reason = e.getKey().equals("hs256_with_public_key") ? "unsupported_alg" : e.getKey();
      OAuthError err = refused("invalid_grant", reason, request(e.getValue(), arn(A1, "alice")));
      assertFalse(err.description().contains(e.getValue()));
    }
    String scrape = f.registry.scrape();
    assertTrue(scrape.contains("idp_tokens_refused_total{reason=\"bad_signature\"} 1.0"), scrape);
    assertTrue(scrape.contains("idp_tokens_refused_total{reason=\"unsupported_alg\"} 2.0"), scrape);
  }

  @Test
  void aMissingSubOrRequiredClaimIsAnInvalidGrantThatSaysWhich() {
    com.doit.idp.config.IdpConfig.Sso c = SsoTestIssuer.config();
    service = f.exchange(new SsoVerifier(issuer.issuer(), new com.doit.idp.config.IdpConfig.Sso(c.issuer(),
        c.audiences(), c.allowedDomains(), c.requireEmailVerified(), c.maxAge(), c.engineerId(),
        Map.of("hd", "doit.com")), f.clock), new RateLimit(60, Duration.ofMinutes(1)));
    f.create(A1, "alice", SigningAlgorithm.ES256);
    java.time.Instant now = f.clock.instant();
    String consumer = issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com").build());
    secrets.add(consumer);
    OAuthError e = refused("invalid_grant", "required_claim", request(consumer, arn(A1, "alice")));
    assertTrue(e.description().contains("hd"), e.description());
    String noSub = issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com").subject(null).claim("hd", "doit.com").build());
    secrets.add(noSub);
    OAuthError sub = refused("invalid_grant", "missing_claim", request(noSub, arn(A1, "alice")));
    assertTrue(sub.description().contains("sub"), sub.description());
    String workspace = issuer.signWithIssuerKey(issuer.claimsAt(now, "alice@doit.com").claim("hd", "doit.com").build());
    secrets.add(workspace);
    ok(request(workspace, arn(A1, "alice")));
  }

  @Test
  void anUnreachableSsoIssuerIsTemporarilyUnavailableNotAnInvalidGrant() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    TokenExchangeService down = f.exchange(new SsoVerifier(URI.create("http://127.0.0.1:" + port + "/sso"),
        SsoTestIssuer.config(), f.clock), new RateLimit(60, Duration.ofMinutes(1)));
    OAuthError e = assertThrows(OAuthError.class, () -> down.exchange(request(sso("alice@doit.com"), arn(A1, "alice")), CTX));
    assertEquals(OAuthError.Code.TEMPORARILY_UNAVAILABLE, e.code());
    assertTrue(f.auditLines().get(f.auditLines().size() - 1).contains("\"reason\":\"sso_unavailable\""));
  }

  // --- invalid_target

  @Test
  void anAudienceOtherThanStsIsAnInvalidTarget() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    Map<String, List<String>> form = request(sso("alice@doit.com"), arn(A1, "alice"));
    form.put("audience", List.of("https://example.com"));
    refused("invalid_target", "invalid_audience", form);
  }

  @Test
  void aResourceThatIsNotAWellFormedRoleArnIsAnInvalidTarget() {
    String t = sso("alice@doit.com");
    for (String r : List.of("DoiT-Support-alice", "arn:aws:iam::12345678901:role/DoiT-Support-alice",
        "arn:aws:iam::1234567890123:role/DoiT-Support-alice", "arn:aws:iam::" + A1 + ":user/DoiT-Support-alice",
        "arn:aws:iam::" + A1 + ":role/path/DoiT-Support-alice", "arn:aws-cn:iam::" + A1 + ":role/DoiT-Support-alice",
        "arn:aws:iam::" + A1 + ":role/", " arn:aws:iam::" + A1 + ":role/DoiT-Support-alice",
        "arn:aws:iam::" + A1 + ":role/DoiT-Support-alice\n")) {
      OAuthError e = refused("invalid_target", "bad_resource", request(t, r));
      assertFalse(e.description().contains("\n"));
    }
  }

  @Test
  void aRoleNameThatIsNotThisEngineersIsAnInvalidTarget() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    for (String name : List.of("DoiT-Support-bob", "DoiT-Support-Alice", "Other-alice", "DoiT-Support-alice2", "alice")) {
      refused("invalid_target", "foreign_role", request(t, "arn:aws:iam::" + A1 + ":role/" + name));
    }
  }

  @Test
  void noActiveRoleInTheAccountIsAnInvalidTarget() {
    SupportRole role = f.create(A1, "alice", SigningAlgorithm.ES256, Duration.ofMinutes(10));
    String t = sso("alice@doit.com");
    refused("invalid_target", "no_active_role", request(t, arn(A2, "alice")));
    // an expired role, while the SSO token is still good

    f.clock.set(role.expiresAt());
    f.directory.refresh();
    refused("invalid_target", "no_active_role", request(t, arn(A1, "alice")));
  }

  @Test
  void aRevokedRoleMintsNothingOnceTheDirectoryHasSeenIt() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    ok(request(t, arn(A1, "alice")));
    f.roles.revoke(new RoleId(A1, "alice"), "test");
    f.directory.refresh();
    refused("invalid_target", "no_active_role", request(t, arn(A1, "alice")));
  }

  // --- isolation

  @Test
  void anEngineerCannotObtainAnotherEngineersRoleNorARoleInAnAccountWhereTheyHaveNone() throws Exception {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    SupportRole bobs = f.create(A2, "bob", SigningAlgorithm.ES256);
    f.create(A1, "bob", SigningAlgorithm.ES256);
    String alice = sso("alice@doit.com");
    // bob's role ARN in an account where alice has none, and in one where she has her own
    refused("invalid_target", "foreign_role", request(alice, arn(A2, "bob")));
    refused("invalid_target", "foreign_role", request(alice, arn(A1, "bob")));
    // her own role name in bob's account
    refused("invalid_target", "no_active_role", request(alice, arn(A2, "alice")));
    // and bob still gets his
    TokenResponse r = ok(request(sso("bob@doit.com"), arn(A2, "bob")));
    JwtClaims c = StsCheck.verify(r.accessToken(), StsCheck.jwks(bobs, f.clock.instant()), f.names.issuer(bobs.id()), f.clock.instant());
    assertEquals("bob", c.getSubject());
    // alice's token does not verify against bob's keys or issuer
    TokenResponse mine = ok(request(alice, arn(A1, "alice")));
    assertThrows(Exception.class, () -> StsCheck.verify(mine.accessToken(), StsCheck.jwks(bobs, f.clock.instant()),
        f.names.issuer(bobs.id()), f.clock.instant()));
  }

  // --- one clock reading per request (issue 9 point 8)

  @Test
  void aGrantWindowThatClosesDuringTheRequestIsAnInvalidTargetNeverAServerError() throws Exception {
    SupportRole role = f.create(A1, "alice", SigningAlgorithm.ES256, Duration.ofMinutes(10));
    java.time.Instant end = role.expiresAt();
    // every reading of this clock moves time on by 300 ms, as a slow request would see it
    java.time.Clock stepping = new java.time.Clock() {
      @Override
      public java.time.Instant instant() {
        f.clock.advance(Duration.ofMillis(300));
        return f.clock.instant();
      }

      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
    com.doit.idp.role.RoleDirectory directory = new com.doit.idp.role.RoleDirectory(f.store, stepping, TokenFixture.CACHE_TTL);
    TokenExchangeService s = new TokenExchangeService(new SsoVerifier(issuer.issuer(), SsoTestIssuer.config(), stepping),
        directory, new TokenMinter(f.store, f.names, TokenFixture.LIFETIME, stepping, f.metrics), f.names,
        new EngineerRateLimiter(new RateLimit(1000, Duration.ofMinutes(1)), stepping), f.audit, f.metrics, stepping);
    String t = sso("alice@doit.com");
    int issued = 0;
    int refused = 0;
    // the request starts anywhere in the last 4 s of the window, 50 ms apart: the end falls between any two readings
    for (long ms = 4000; ms >= 0; ms -= 50) {
      long before = ms;
      f.clock.set(end.minusMillis(before));
      directory.refresh();
      try {
        TokenResponse r = s.exchange(request(t, arn(A1, "alice")), CTX);
        secrets.add(r.accessToken());
        issued++;
        long exp = SignedJWTs.exp(r.accessToken());
        assertTrue(exp <= end.getEpochSecond(), "a token never outlives its role");
        assertTrue(r.expiresIn() >= 1, "a token lives at least a second");
      } catch (OAuthError e) {
        refused++;
        assertEquals(OAuthError.Code.INVALID_TARGET, e.code(), () -> before + " ms before the end: " + e.description());
      }
    }
    assertTrue(issued > 0 && refused > 0, issued + " issued, " + refused + " refused");
    assertTrue(f.auditLines().stream().noneMatch(l -> l.contains("server_error")), "no request ended in a 500");
  }

  /** The {@code exp} of a compact JWS, read without verifying it. */
  private static final class SignedJWTs {
    static long exp(String jwt) throws java.text.ParseException {
      return com.nimbusds.jwt.SignedJWT.parse(jwt).getJWTClaimsSet().getExpirationTime().toInstant().getEpochSecond();
    }
  }

  // --- rate limit

  @Test
  void anEngineerOverTheRateLimitIsToldWhenToRetryAndOthersAreNotAffected() {
    service = f.exchange(TokenFixture.verifier(issuer, f.clock), new RateLimit(3, Duration.ofMinutes(1)));
    f.create(A1, "alice", SigningAlgorithm.ES256);
    f.create(A1, "bob", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    for (int i = 0; i < 3; i++) ok(request(t, arn(A1, "alice")));
    OAuthError e = refused("too_many_requests", "rate_limited", request(t, arn(A1, "alice")));
    assertEquals(Optional.of(Duration.ofSeconds(20)), e.retryAfter());
    // a refused attempt counts too: probing roles is limited like asking for them
    refused("too_many_requests", "rate_limited", request(t, arn(A2, "alice")));

    ok(request(sso("bob@doit.com"), arn(A1, "bob")));

    f.advance(Duration.ofSeconds(19));
    refused("too_many_requests", "rate_limited", request(t, arn(A1, "alice")));
    f.advance(Duration.ofSeconds(1));
    ok(request(t, arn(A1, "alice")));
  }

  // --- HSM outage

  @Test
  void anHsmOutagePropagatesAfterItsAuditLineAndPassesWithTheOutage() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    f.store.fail(true);
    refusedByTheHsm(request(t, arn(A1, "alice")));
    f.store.fail(false);
    ok(request(t, arn(A1, "alice")));
  }

  @Test
  void aRoleDirectoryNotRefreshedWithinItsTtlIsAnHsmOutageRatherThanAGuess() {
    f.create(A1, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    f.clock.advance(TokenFixture.CACHE_TTL.plusSeconds(1));
    refusedByTheHsm(request(t, arn(A1, "alice")));
  }

  // --- metrics

  @Test
  void theMetersAppearInPrometheusUnderTheNamesOfTheSpec() {
    f.create(A1, "alice", SigningAlgorithm.RS256);
    f.create(A2, "alice", SigningAlgorithm.ES256);
    String t = sso("alice@doit.com");
    ok(request(t, arn(A1, "alice")));
    ok(request(t, arn(A2, "alice")));
    refused(request(t, "nonsense"));
    String scrape = f.registry.scrape();
    assertTrue(scrape.contains("idp_tokens_issued_total{alg=\"RS256\"} 1.0"), scrape);
    assertTrue(scrape.contains("idp_tokens_issued_total{alg=\"ES256\"} 1.0"), scrape);
    assertTrue(scrape.contains("idp_tokens_refused_total{reason=\"bad_resource\"} 1.0"), scrape);
    assertTrue(scrape.contains("idp_token_exchange_seconds_bucket{le=\"+Inf\"} 3"), scrape); // a histogram
    assertFalse(scrape.contains("quantile="), "no client-side quantile");
    assertTrue(scrape.contains("idp_token_exchange_seconds_count 3"), scrape);
    assertTrue(scrape.contains("idp_hsm_operation_seconds_count{operation=\"sign\"} 2"), scrape);
  }
}
