package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code http.rate-limit} (here 3/m) protects the HSM from any one engineer: beyond it, {@code 429} with
 * {@code Retry-After}, an audit line, no signature. The limit is per verified engineer, so neither another engineer
 * nor a forger writing someone's email into a token can spend it. Time moves by the test clock, never by sleeping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {
  static final String ACCOUNT = "123456789012";
  IdpUnderTest idp;

  @BeforeAll
  void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of("IDP_HTTP_RATE_LIMIT", "3/m"));
    for (String e : List.of("carol", "dave", "erin", "frank")) idp.createRole(ACCOUNT, e, SigningAlgorithm.ES256);
  }

  @AfterAll
  void stop() {
    idp.close();
  }

  private RawHttp.Response ask(String engineer) {
    return idp.postToken(IdpUnderTest.exchangeForm(idp.sso().tokenFor(engineer), idp.roleArn(ACCOUNT, engineer)));
  }

  @Test
  void anEngineerBeyondTheLimitGets429WithRetryAfterAnAuditLineAndNoToken() {
    for (int i = 0; i < 3; i++) assertEquals(200, ask("carol").status());
    int issued = issuedCount("carol");
    RawHttp.Response r = ask("carol");
    Catalogue.check(new Catalogue.Case(Catalogue.Listener.TOKEN, "POST /token", "over the limit", new byte[0], 429,
        "too_many_requests", true, x -> {}), r);
    String retryAfter = r.header("retry-after");
    assertNotNull(retryAfter, r.toString());
    long seconds = Long.parseLong(retryAfter);
    assertTrue(seconds >= 1 && seconds <= 60, retryAfter);
    assertEquals(issued, issuedCount("carol"), "no token was issued beyond the limit");
    List<Map<String, Object>> mine = idp.auditLinesOf(r.header("x-request-id"));
    assertEquals(1, mine.size(), mine.toString());
    assertEquals("token.denied", mine.get(0).get("event"));
    assertEquals("rate_limited", mine.get(0).get("reason"));
    assertEquals("carol", mine.get(0).get("engineer"));
  }

  @Test
  void thePermitComesBackAfterRetryAfterSeconds() {
    for (int i = 0; i < 3; i++) assertEquals(200, ask("dave").status());
    RawHttp.Response refused = ask("dave");
    assertEquals(429, refused.status());
    idp.advance(Duration.ofSeconds(Long.parseLong(refused.header("retry-after"))));
    assertEquals(200, ask("dave").status());
    assertEquals(429, ask("dave").status(), "one permit came back, not the whole bucket");
  }

  @Test
  void theLimitIsPerEngineerSoAnotherEngineerIsUnaffected() {
    for (int i = 0; i < 3; i++) assertEquals(200, ask("erin").status());
    assertEquals(429, ask("erin").status());
    assertEquals(200, ask("frank").status());
  }

  @Test
  void forgedTokensInAnEngineersNameDoNotSpendTheirBudget() {
    HostileTokens hostile = new HostileTokens();
    try (Canary canary = Canary.start(hostile.attackerJwks())) {
      String engineer = "grace";
      idp.createRole(ACCOUNT, engineer, SigningAlgorithm.ES256);
      for (HostileTokens.Forgery f : hostile.all(idp.sso().claimsFor(engineer), idp.sso(), canary).subList(0, 10)) {
        RawHttp.Response r = idp.postToken(IdpUnderTest.exchangeForm(f.token(), idp.roleArn(ACCOUNT, engineer)));
        assertEquals(400, r.status(), f.name() + ": " + r);
      }
      for (int i = 0; i < 3; i++) assertEquals(200, ask(engineer).status(), "request " + i);
    }
  }

  private int issuedCount(String engineer) {
    return (int) idp.auditLines().stream()
        .filter(m -> "token.issued".equals(m.get("event")) && engineer.equals(m.get("engineer"))).count();
  }
}
