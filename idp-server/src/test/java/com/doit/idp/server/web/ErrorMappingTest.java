package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.doit.idp.role.HsmBusyException;
import com.doit.idp.role.HsmException;
import com.doit.idp.server.ClientError;
import com.doit.idp.server.token.OAuthError;
import com.doit.idp.server.token.OAuthError.Code;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one table from the token services' refusals (and HSM failures) to HTTP statuses and headers. */
class ErrorMappingTest {
  private static ClientError map(Throwable t) {
    return ErrorMapping.toClientError(t);
  }

  @Test
  void oauthErrorsOfTheRequestAre400WithTheirCodeAndDescription() {
    for (Code c : new Code[] {Code.INVALID_REQUEST, Code.UNSUPPORTED_GRANT_TYPE, Code.INVALID_GRANT, Code.INVALID_TARGET}) {
      ClientError e = map(new OAuthError(c, "why"));
      assertEquals(400, e.status(), c.name());
      assertEquals(c.code(), e.error());
      assertEquals("why", e.description());
      assertEquals(Map.of(), e.headers());
    }
  }

  @Test
  void aMissingOrRefusedBearerTokenIs401WithABearerChallenge() {
    ClientError e = map(new OAuthError(Code.INVALID_TOKEN, "no token"));
    assertEquals(401, e.status());
    assertEquals("invalid_token", e.error());
    assertEquals(Map.of("WWW-Authenticate", "Bearer"), e.headers());
  }

  @Test
  void theRateLimitIs429WithItsWaitInWholeSecondsRoundedUp() {
    assertEquals(Map.of("Retry-After", "3"), map(new OAuthError(Code.TOO_MANY_REQUESTS, "slow", Duration.ofMillis(2001))).headers());
    assertEquals(Map.of("Retry-After", "1"), map(new OAuthError(Code.TOO_MANY_REQUESTS, "slow", Duration.ofMillis(1))).headers());
    assertEquals(Map.of("Retry-After", "1"), map(new OAuthError(Code.TOO_MANY_REQUESTS, "slow", Duration.ZERO)).headers());
    assertEquals(429, map(new OAuthError(Code.TOO_MANY_REQUESTS, "slow", Duration.ofSeconds(20))).status());
  }

  @Test
  void anSsoOrHsmOutageIs503WithTheSameRetryAfterDecidedHere() {
    ClientError sso = map(new OAuthError(Code.TEMPORARILY_UNAVAILABLE, "the SSO issuer cannot be reached"));
    ClientError hsm = map(new HsmException("CKR_DEVICE_ERROR"));
    ClientError busy = map(new RuntimeException(new HsmBusyException("hsm busy")));
    for (ClientError e : new ClientError[] {sso, hsm, busy}) {
      assertEquals(503, e.status());
      assertEquals("temporarily_unavailable", e.error());
      assertEquals(Map.of("Retry-After", "5"), e.headers());
    }
    assertEquals("the HSM is unavailable; try again later", hsm.description());
    assertEquals(Map.of("Retry-After", "2"),
        map(new OAuthError(Code.TEMPORARILY_UNAVAILABLE, "soon", Duration.ofSeconds(2))).headers());
  }

  @Test
  void anythingElseIsLeftFor500() {
    assertNull(map(new IllegalStateException("bug")));
  }
}
