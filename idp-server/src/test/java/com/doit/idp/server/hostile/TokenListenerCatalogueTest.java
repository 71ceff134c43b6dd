package com.doit.idp.server.hostile;

import static com.doit.idp.server.hostile.Catalogue.Listener.TOKEN;
import static com.doit.idp.server.hostile.Catalogue.form;
import static com.doit.idp.server.hostile.Catalogue.get;
import static com.doit.idp.server.hostile.Catalogue.headers;
import static com.doit.idp.server.hostile.Catalogue.req;
import static com.doit.idp.server.hostile.IdpUnderTest.GRANT;
import static com.doit.idp.server.hostile.IdpUnderTest.ID_TOKEN_TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The token listener (engineers' network) under hostile requests: {@code POST /token} with malformed, empty,
 * repeated and unknown parameters, wrong content types, bodies over {@code http.max-body} (declared and chunked),
 * request smuggling framings, forged and unacceptable SSO tokens, and role ARNs of another engineer, account or
 * partition; {@code GET /roles} with missing, malformed and forged bearer tokens. Every refused token request
 * must be audited, and no forged token may make the server fetch anything from the attacker (the {@link Canary}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenListenerCatalogueTest {
  static final String ACCOUNT = "123456789012";
  static final String OTHER_ACCOUNT = "210987654321";
  static final String EXPIRED_ACCOUNT = "555555555555";
  IdpUnderTest idp;
  Canary canary;
  HostileTokens hostile;
  Catalogue catalogue;

  @BeforeAll
  void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
    hostile = new HostileTokens();
    canary = Canary.start(hostile.attackerJwks());
    idp.createRole(EXPIRED_ACCOUNT, "alice", SigningAlgorithm.ES256, Duration.ofMinutes(1));
    idp.advance(Duration.ofMinutes(2));
    idp.createRole(ACCOUNT, "alice", SigningAlgorithm.RS256);
    idp.createRole(ACCOUNT, "bob", SigningAlgorithm.ES256);
    idp.createRole(OTHER_ACCOUNT, "bob", SigningAlgorithm.ES256);
    idp.createRole(ACCOUNT, "a", SigningAlgorithm.ES256);
    catalogue = build();
  }

  @AfterAll
  void stop() {
    System.out.println("token listener catalogue: " + catalogue.counts());
    canary.close();
    idp.close();
  }

  private String aliceArn() {
    return idp.roleArn(ACCOUNT, "alice");
  }

  private String alice() {
    return idp.sso().tokenFor("alice");
  }

  /** A token request for alice's role with this SSO token. */
  private byte[] exchange(String ssoToken) {
    return form(IdpUnderTest.exchangeForm(ssoToken, aliceArn()));
  }

  private byte[] exchange(String ssoToken, String resource) {
    return form(IdpUnderTest.exchangeForm(ssoToken, resource));
  }

  private static final Consumer<RawHttp.Response> ISSUED = r -> {
    Map<String, Object> body = Catalogue.json(r, r.toString());
    assertNotNull(body.get("access_token"), r.toString());
    assertEquals("urn:ietf:params:oauth:token-type:jwt", body.get("issued_token_type"));
    assertEquals("N_A", body.get("token_type"));
    assertEquals("no-store", r.header("cache-control"));
  };

  private static final Consumer<RawHttp.Response> BEARER_CHALLENGE =
      r -> assertTrue(String.valueOf(r.header("www-authenticate")).startsWith("Bearer"), r.toString());

  private Catalogue build() {
    Catalogue c = new Catalogue(idp);
    String t = "POST /token";
    String good = alice();
    String sub = "subject_token";
    String stt = "subject_token_type";
    // ---- the form
    c.add(TOKEN, t, "empty body", form(""), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "no grant_type", form(IdpUnderTest.form(sub, good, stt, ID_TOKEN_TYPE, "resource", aliceArn())),
        400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "grant_type authorization_code", form(IdpUnderTest.form("grant_type", "authorization_code",
        sub, good, stt, ID_TOKEN_TYPE, "resource", aliceArn())), 400, "unsupported_grant_type", true, r -> {});
    c.add(TOKEN, t, "grant_type in upper case", form(IdpUnderTest.form("grant_type", GRANT.toUpperCase(),
        sub, good, stt, ID_TOKEN_TYPE, "resource", aliceArn())), 400, "unsupported_grant_type", true, r -> {});
    c.add(TOKEN, t, "grant_type with a trailing NUL", form("grant_type=" + enc(GRANT) + "%00&subject_token=" + good
        + "&subject_token_type=" + enc(ID_TOKEN_TYPE) + "&resource=" + enc(aliceArn())), 400,
        "unsupported_grant_type", true, r -> {});
    c.add(TOKEN, t, "grant_type repeated", form(IdpUnderTest.form("grant_type", GRANT, "grant_type", GRANT,
        sub, good, stt, ID_TOKEN_TYPE, "resource", aliceArn())), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "subject_token missing", form(IdpUnderTest.form("grant_type", GRANT, stt, ID_TOKEN_TYPE,
        "resource", aliceArn())), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "subject_token empty", form(IdpUnderTest.form("grant_type", GRANT, sub, "", stt, ID_TOKEN_TYPE,
        "resource", aliceArn())), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "subject_token repeated, good and forged", form(IdpUnderTest.form("grant_type", GRANT,
        sub, good, sub, "x.y.z", stt, ID_TOKEN_TYPE, "resource", aliceArn())), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "subject_token_type missing", form(IdpUnderTest.form("grant_type", GRANT, sub, good,
        "resource", aliceArn())), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "subject_token_type access_token", form(IdpUnderTest.form("grant_type", GRANT, sub, good,
        stt, "urn:ietf:params:oauth:token-type:access_token", "resource", aliceArn())), 400, "invalid_request",
        true, r -> {});
    c.add(TOKEN, t, "resource missing", form(IdpUnderTest.form("grant_type", GRANT, sub, good, stt, ID_TOKEN_TYPE)),
        400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "resource repeated, own and another's", form(IdpUnderTest.form("grant_type", GRANT, sub, good,
        stt, ID_TOKEN_TYPE, "resource", aliceArn(), "resource", idp.roleArn(ACCOUNT, "bob"))), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "resource of 3,000 characters", exchange(good, aliceArn() + "x".repeat(3000)), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "audience repeated", form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&audience="
        + "sts.amazonaws.com&audience=sts.amazonaws.com"), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "requested_token_type access_token", form(IdpUnderTest.exchangeForm(good, aliceArn())
        + "&requested_token_type=" + enc("urn:ietf:params:oauth:token-type:access_token")), 400, "invalid_request",
        true, r -> {});
    c.add(TOKEN, t, "actor_token given", form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&actor_token="
        + good + "&actor_token_type=" + enc(ID_TOKEN_TYPE)), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "bare parameter names without values", form("grant_type&subject_token&subject_token_type"
        + "&resource"), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "malformed percent-encoding", form("grant_type=%zz&subject_token=" + good), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "truncated percent-encoding", form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&x=%4"), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "invalid UTF-8 in a value", form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&scope=%ff%fe"),
        400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "33 parameters", form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&p=1".repeat(29)), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "10,000 ampersands", form("&".repeat(10_000)), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "parameters in the query string instead of the body",
        RawHttp.request("POST", "/token?" + IdpUnderTest.exchangeForm(good, aliceArn()),
            headers("Content-Type", "application/x-www-form-urlencoded"), new byte[0]),
        400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "unknown parameters are ignored (RFC 6749 3.1)", form(IdpUnderTest.exchangeForm(good, aliceArn())
        + "&scope=admin&client_id=x&%C3%A9=1"), 200, null, false, ISSUED);
    c.add(TOKEN, t, "a good request with audience and requested_token_type", form(IdpUnderTest.exchangeForm(good,
        aliceArn()) + "&audience=sts.amazonaws.com&requested_token_type="
        + enc("urn:ietf:params:oauth:token-type:jwt")), 200, null, false, ISSUED);
    c.add(TOKEN, t, "a client's X-Request-Id and X-Forwarded-For are not believed", req("POST", "/token",
        headers("Content-Type", "application/x-www-form-urlencoded", "X-Request-Id", "forged-id",
            "X-Forwarded-For", "203.0.113.66"), "grant_type=x"), 400, "unsupported_grant_type", true, r -> {
              assertTrue(!"forged-id".equals(r.header("x-request-id")), r.toString());
              Map<String, Object> line = idp.auditLinesOf(r.header("x-request-id")).get(0);
              assertEquals("127.0.0.1", line.get("remote_addr"), line.toString());
            });
    // ---- content types and framing
    String body = IdpUnderTest.exchangeForm(good, aliceArn());
    c.add(TOKEN, t, "no Content-Type", req("POST", "/token", Map.of(), body), 400, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "application/json", req("POST", "/token", headers("Content-Type", "application/json"),
        "{\"grant_type\":\"" + GRANT + "\",\"subject_token\":\"" + good + "\"}"), 400, "invalid_request", true,
        r -> {});
    c.add(TOKEN, t, "text/plain", req("POST", "/token", headers("Content-Type", "text/plain"), body), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "multipart/form-data", req("POST", "/token",
        headers("Content-Type", "multipart/form-data; boundary=x"),
        "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\n" + GRANT + "\r\n--x--\r\n"), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "form in ISO-8859-1", req("POST", "/token",
        headers("Content-Type", "application/x-www-form-urlencoded; charset=ISO-8859-1"), body), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "form declared UTF-8 is fine", req("POST", "/token",
        headers("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"), body), 200, null, false, ISSUED);
    c.add(TOKEN, t, "two media types in one Content-Type", req("POST", "/token",
        headers("Content-Type", "application/x-www-form-urlencoded, application/json"), body), 400,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "body over http.max-body", form(body + "&pad=" + "p".repeat(17 * 1024)), 413,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "declared Content-Length of a terabyte", RawHttp.request("POST", "/token",
        headers("Content-Type", "application/x-www-form-urlencoded", "Content-Length", "1099511627776"),
        new byte[0]), 413, "invalid_request", true, r -> {});
    c.add(TOKEN, t, "chunked body over http.max-body", chunked(body + "&pad=" + "p".repeat(17 * 1024)), 413,
        "invalid_request", true, r -> {});
    c.add(TOKEN, t, "chunked body within the limit", chunked(body), 200, null, false, ISSUED);
    c.add(TOKEN, t, "Content-Length and chunked together (smuggling)", smuggle(body), 400, "invalid_request");
    c.add(TOKEN, t, "negative Content-Length", raw("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: "
        + "application/x-www-form-urlencoded\r\nContent-Length: -1\r\nConnection: close\r\n\r\n"), 400,
        "invalid_request");
    c.add(TOKEN, t, "non-numeric Content-Length", raw("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: "
        + "application/x-www-form-urlencoded\r\nContent-Length: ten\r\nConnection: close\r\n\r\n"), 400,
        "invalid_request");
    c.add(TOKEN, t, "two different Content-Lengths", raw("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: "
        + "application/x-www-form-urlencoded\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
        + "a=1&b=2"), 400, "invalid_request");
    // ---- forged SSO tokens: refused before any key is trusted, and nothing fetched from the attacker
    for (HostileTokens.Forgery f : hostile.all(idp.sso().claimsFor("alice"), idp.sso(), canary)) {
      c.add(TOKEN, t, "forged SSO token: " + f.name(), exchange(f.token()), 400, "invalid_grant", true, r -> {});
    }
    // ---- SSO tokens that verify but must not be accepted
    Instant now = idp.clock().instant();
    Map<String, SsoIssuer.Claims> refused = new LinkedHashMap<>();
    refused.put("expired ten minutes ago", idp.sso().claimsFor("alice").issuedAt(now.minus(Duration.ofMinutes(15))));
    refused.put("issued two minutes in the future",
        idp.sso().claimsFor("alice").issuedAt(now.plus(Duration.ofMinutes(2))));
    refused.put("not valid before five minutes from now",
        idp.sso().claimsFor("alice").put("nbf", now.plus(Duration.ofMinutes(5)).getEpochSecond()));
    refused.put("issued longer ago than sso.max-age", idp.sso().claimsFor("alice")
        .put("iat", now.minus(Duration.ofHours(2)).getEpochSecond()));
    refused.put("no iat", idp.sso().claimsFor("alice").remove("iat"));
    refused.put("no exp", idp.sso().claimsFor("alice").remove("exp"));
    refused.put("exp as a string", idp.sso().claimsFor("alice").put("exp",
        Long.toString(now.plus(Duration.ofMinutes(5)).getEpochSecond())));
    refused.put("wrong issuer", idp.sso().claimsFor("alice").put("iss", "https://evil.example/sso"));
    refused.put("issuer with a trailing slash", idp.sso().claimsFor("alice").put("iss", idp.sso().issuer() + "/"));
    refused.put("issuer of the attacker's server", idp.sso().claimsFor("alice").put("iss", canary.url("/sso")));
    refused.put("wrong audience", idp.sso().claimsFor("alice").put("aud", "another-app"));
    refused.put("audience list without ours", idp.sso().claimsFor("alice").put("aud", List.of("a", "b")));
    refused.put("no audience", idp.sso().claimsFor("alice").remove("aud"));
    refused.put("email not verified", idp.sso().claimsFor("alice").put("email_verified", false));
    refused.put("email_verified as a string", idp.sso().claimsFor("alice").put("email_verified", "true"));
    refused.put("email_verified missing", idp.sso().claimsFor("alice").remove("email_verified"));
    refused.put("email missing", idp.sso().claimsFor("alice").remove("email"));
    refused.put("email empty", idp.sso().claimsFor("alice").put("email", ""));
    refused.put("email as a list", idp.sso().claimsFor("alice").put("email", List.of("alice@doit-intl.com")));
    refused.put("foreign domain", idp.sso().claims("alice@evil.example"));
    refused.put("subdomain of the allowed domain", idp.sso().claims("alice@eu.doit-intl.com"));
    refused.put("look-alike domain", idp.sso().claims("alice@doit-intl.com.evil.example"));
    refused.put("allowed domain as a prefix", idp.sso().claims("alice@doit-intl.community"));
    refused.put("two @ signs", idp.sso().claims("alice@evil.example@doit-intl.com"));
    refused.put("no local part", idp.sso().claims("@doit-intl.com"));
    refused.put("local part with a plus", idp.sso().claims("alice+admin@doit-intl.com"));
    refused.put("local part with a slash", idp.sso().claims("alice/../bob@doit-intl.com"));
    refused.put("local part non-ASCII", idp.sso().claims("alic\u00e9@doit-intl.com"));
    refused.put("local part of 52 characters", idp.sso().claims("a".repeat(52) + "@doit-intl.com"));
    refused.put("email of 300 characters", idp.sso().claims("a".repeat(286) + "@doit-intl.com"));
    for (var e : refused.entrySet()) {
      c.add(TOKEN, t, "SSO token " + e.getKey(), exchange(e.getValue().sign()), 400, "invalid_grant", true, r -> {});
    }
    c.add(TOKEN, t, "one-character engineer id (no AWS source identity)",
        exchange(idp.sso().tokenFor("a"), idp.roleArn(ACCOUNT, "a")), 400, "invalid_grant", true, r -> {});
    c.add(TOKEN, t, "SSO token of 20,000 characters", exchange("e".repeat(20_000)), 413, "invalid_request", true,
        r -> {});
    c.add(TOKEN, t, "SSO token of 12,000 characters", exchange("e".repeat(12_000)), 400, "invalid_grant", true,
        r -> {});
    c.add(TOKEN, t, "SSO token that is not a JWT", exchange("not-a-jwt"), 400, "invalid_grant", true, r -> {});
    c.add(TOKEN, t, "SSO token with a line break", exchange(good.substring(0, 20) + "\n" + good.substring(20)), 400,
        "invalid_grant", true, r -> {});
    c.add(TOKEN, t, "email in upper case is the same engineer", exchange(idp.sso().claims("ALICE@DOIT-INTL.COM")
        .sign()), 200, null, false, ISSUED);
    c.add(TOKEN, t, "audience list with ours is accepted", exchange(idp.sso().claimsFor("alice")
        .put("aud", List.of("another-app", SsoIssuer.AUDIENCE)).sign()), 200, null, false, ISSUED);
    // ---- role ARNs and audiences
    Map<String, String> targets = new LinkedHashMap<>();
    targets.put("another engineer's role in the same account", idp.roleArn(ACCOUNT, "bob"));
    targets.put("another engineer's role in another account", idp.roleArn(OTHER_ACCOUNT, "bob"));
    targets.put("own role name in an account without a grant", idp.roleArn(OTHER_ACCOUNT, "alice"));
    targets.put("own role whose grant expired", idp.roleArn(EXPIRED_ACCOUNT, "alice"));
    targets.put("partition aws-cn", aliceArn().replace("arn:aws:", "arn:aws-cn:"));
    targets.put("partition aws-us-gov", aliceArn().replace("arn:aws:", "arn:aws-us-gov:"));
    targets.put("a role path", aliceArn().replace(":role/", ":role/support/"));
    targets.put("an assumed-role ARN", "arn:aws:sts::" + ACCOUNT + ":assumed-role/DoiT-Support-alice/s");
    targets.put("an account of 11 digits", aliceArn().replace(ACCOUNT, "12345678901"));
    targets.put("an account of 13 digits", aliceArn().replace(ACCOUNT, "1234567890123"));
    targets.put("an account with letters", aliceArn().replace(ACCOUNT, "12345678901a"));
    targets.put("role name in another case", aliceArn().replace("DoiT-Support-alice", "doit-support-alice"));
    targets.put("role name with a suffix", aliceArn() + "2");
    targets.put("role name of another prefix", aliceArn().replace("DoiT-Support-", "Admin-"));
    targets.put("trailing space", aliceArn() + " ");
    targets.put("line break and more", aliceArn() + "\nX-Injected: 1");
    targets.put("a wildcard", "arn:aws:iam::" + ACCOUNT + ":role/*");
    targets.put("the issuer URL", idp.issuer(ACCOUNT, "alice"));
    targets.put("an empty role name", "arn:aws:iam::" + ACCOUNT + ":role/");
    targets.put("non-ASCII role name", aliceArn().replace("alice", "alic\u00e9"));
    for (var e : targets.entrySet()) {
      c.add(TOKEN, t, "resource: " + e.getKey(), exchange(good, e.getValue()), 400, "invalid_target", true, r -> {});
    }
    for (String aud : List.of("sts.amazonaws.com.evil.example", "STS.AMAZONAWS.COM", "https://sts.amazonaws.com",
        "sts.amazonaws.com ")) {
      c.add(TOKEN, t, "audience " + aud, form(IdpUnderTest.exchangeForm(good, aliceArn()) + "&audience=" + enc(aud)),
          400, "invalid_target", true, r -> {});
    }
    c.add(TOKEN, t, "bob's SSO token for alice's role", exchange(idp.sso().tokenFor("bob"), aliceArn()), 400,
        "invalid_target", true, r -> {});
    // ---- methods
    for (String m : List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS")) {
      c.add(TOKEN, t, m + " /token", req(m, "/token"), 405, "method_not_allowed", false,
          r -> assertEquals("POST", r.header("allow")));
    }
    c.add(TOKEN, t, "HEAD /token (no body by HTTP)", req("HEAD", "/token"), 405, Catalogue.NO_BODY, false,
        r -> assertEquals("POST", r.header("allow")));

    // ---- GET /roles
    String g = "GET /roles";
    c.add(TOKEN, g, "no Authorization", get("/roles"), 401, "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "Basic credentials", req("GET", "/roles", headers("Authorization", "Basic YWxpY2U6cHc="), ""),
        401, "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "Bearer without a token", req("GET", "/roles", headers("Authorization", "Bearer "), ""), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "Bearer garbage", req("GET", "/roles", headers("Authorization", "Bearer garbage"), ""), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "two Authorization headers", raw("GET /roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + good + "\r\nAuthorization: Bearer " + idp.sso().tokenFor("bob") + "\r\nConnection: close\r\n\r\n"), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "token in the query string", get("/roles?access_token=" + good), 401, "invalid_token", false,
        BEARER_CHALLENGE);
    c.add(TOKEN, g, "SSO token expired", bearer(refused.get("expired ten minutes ago").sign()), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "SSO token of a foreign domain", bearer(refused.get("foreign domain").sign()), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    c.add(TOKEN, g, "SSO token not verified", bearer(refused.get("email not verified").sign()), 401,
        "invalid_token", false, BEARER_CHALLENGE);
    for (HostileTokens.Forgery f : hostile.all(idp.sso().claimsFor("alice"), idp.sso(), canary)) {
      if (f.token().length() > 8000) continue; // beyond the header limit: the oversized-header case covers it
      c.add(TOKEN, g, "forged SSO token: " + f.name(), bearer(f.token()), 401, "invalid_token", false,
          BEARER_CHALLENGE);
    }
    c.add(TOKEN, g, "a bearer of 20,000 characters", bearer("e".repeat(20_000)), 400, "invalid_request");
    c.add(TOKEN, g, "a good SSO token lists only the caller's roles", bearer(good), 200, null, false, r -> {
      String b = r.body();
      assertTrue(b.contains(aliceArn()), b);
      assertTrue(!b.contains("bob") && !b.contains(EXPIRED_ACCOUNT), b);
    });
    for (String m : List.of("POST", "PUT", "DELETE")) {
      c.add(TOKEN, g, m + " /roles", req(m, "/roles"), 405, "method_not_allowed", false,
          r -> assertEquals("GET", r.header("allow")));
    }

    // ---- everything else on the token listener
    String other = "other paths on the token listener";
    for (String p : List.of("/", "/token/", "/TOKEN", "/token;x=1", "/token%2F", "/%74oken", "//token",
        "/./token", "/x/../token", "/roles/", "/roles/alice", "/.well-known/openid-configuration",
        "/" + ACCOUNT + "/alice/jwks.json", "/admin/roles", "/healthz", "/metrics")) {
      c.add(TOKEN, other, "GET " + p, get(p), 404, "not_found");
    }
    c.add(TOKEN, other, "POST /token/ with a good request", req("POST", "/token/",
        headers("Content-Type", "application/x-www-form-urlencoded"), body), 404, "not_found");
    return c;
  }

  @TestFactory
  Stream<DynamicTest> everyHostileRequestGetsItsExactAnswerAndLeavesTheServerHealthy() {
    List<DynamicTest> tests = new ArrayList<>(catalogue.testsThenHealth().toList());
    tests.add(DynamicTest.dynamicTest("no forged token made the server fetch from the attacker",
        () -> assertEquals(List.of(), canary.requests())));
    tests.add(DynamicTest.dynamicTest("neither the audit log nor the metrics carry a token after all this", () -> {
      RawHttp.Response metrics = idp.http("management").send(get("/metrics"));
      assertEquals(200, metrics.status());
      for (String where : List.of(metrics.body(), java.nio.file.Files.readString(idp.config().audit().file()))) {
        assertTrue(!where.contains("eyJ"), "a JWT in the audit log or the metrics");
        assertTrue(!where.contains(IdpUnderTest.ADMIN_TOKEN), "the admin token leaked");
      }
    }));
    return tests.stream();
  }

  private byte[] bearer(String token) {
    return req("GET", "/roles", headers("Authorization", "Bearer " + token), "");
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static byte[] raw(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] chunked(String body) {
    byte[] head = ("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] chunks = RawHttp.chunked(body.getBytes(StandardCharsets.UTF_8), 1000);
    byte[] all = new byte[head.length + chunks.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(chunks, 0, all, head.length, chunks.length);
    return all;
  }

  /** CL.TE: a Content-Length that covers a smuggled second request, and a chunked body that ends early. */
  private static byte[] smuggle(String body) {
    String smuggled = "0\r\n\r\nGET /roles HTTP/1.1\r\nHost: x\r\n\r\n";
    return raw("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Content-Length: " + smuggled.length() + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + smuggled);
  }
}
