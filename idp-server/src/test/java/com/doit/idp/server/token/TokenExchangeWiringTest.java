package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.RequestContext;
import com.doit.idp.server.sso.SsoTestIssuer;
import com.doit.idp.server.sso.SsoVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TokenExchangeService#create} from a loaded configuration, and the audit line's place before the answer. */
class TokenExchangeWiringTest {
  private static SsoTestIssuer issuer;
  @TempDir Path dir;

  @BeforeAll
  static void startIssuer() {
    issuer = new SsoTestIssuer();
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  private IdpConfig config() {
    return ConfigLoader.load(Optional.empty(), Map.of(
        "IDP_HSM_TOKEN_LABEL", "t", "IDP_HSM_PIN", "1234",
        "IDP_SSO_ISSUER", issuer.issuer().toString(),
        "IDP_SSO_AUDIENCES", SsoTestIssuer.AUDIENCE,
        "IDP_SSO_ALLOWED_DOMAINS", SsoTestIssuer.DOMAIN,
        "IDP_HTTP_RATE_LIMIT", "1/h",
        "IDP_TOKENS_LIFETIME", "120s",
        "IDP_AUDIT_FILE", dir.resolve("audit.log").toString()), false);
  }

  private static Map<String, List<String>> form(String token, String arn) {
    return Map.of("grant_type", List.of("urn:ietf:params:oauth:grant-type:token-exchange"),
        "subject_token", List.of(token), "subject_token_type", List.of("urn:ietf:params:oauth:token-type:id_token"),
        "resource", List.of(arn));
  }

  @Test
  void theServiceBuiltFromTheConfigurationUsesItsLifetimeAndRateLimit() throws Exception {
    IdpConfig c = config();
    try (TokenFixture f = new TokenFixture(dir)) {
      f.create("123456789012", "erin", SigningAlgorithm.ES256);
      SsoVerifier sso = new SsoVerifier(c.sso().issuer().orElseThrow(), c.sso(), f.clock);
      TokenExchangeService s = TokenExchangeService.create(c, sso, f.directory, f.store, f.audit, new SimpleMeterRegistry(), f.clock);
      String arn = f.names.roleArn(new RoleId("123456789012", "erin"));
      TokenResponse r = s.exchange(form(issuer.idToken("erin@doit.com"), arn), new RequestContext("r", "a"));
      assertEquals(120, r.expiresIn());
      OAuthError e = assertThrows(OAuthError.class,
          () -> s.exchange(form(issuer.idToken("erin@doit.com"), arn), new RequestContext("r", "a")));
      assertEquals(OAuthError.Code.TOO_MANY_REQUESTS, e.code());
      assertEquals(java.util.Optional.of(java.time.Duration.ofHours(1)), e.retryAfter());
    }
  }

  @Test
  void noTokenIsHandedOutWhenItsAuditLineCannotBeWritten() {
    IdpConfig c = config();
    try (TokenFixture f = new TokenFixture(dir)) {
      f.create("123456789012", "erin", SigningAlgorithm.ES256);
      List<AuditEvent> attempted = new ArrayList<>();
      AuditLog broken = e -> {
        attempted.add(e);
        throw new UncheckedIOException(new java.io.IOException("disk full"));
      };
      TokenExchangeService s = TokenExchangeService.create(c, new SsoVerifier(issuer.issuer(), c.sso(), f.clock),
          f.directory, f.store, broken, new SimpleMeterRegistry(), f.clock);
      String arn = f.names.roleArn(new RoleId("123456789012", "erin"));
      assertThrows(UncheckedIOException.class,
          () -> s.exchange(form(issuer.idToken("erin@doit.com"), arn), new RequestContext("r", "a")));
      assertEquals(AuditEvent.TOKEN_ISSUED, attempted.get(0).event());
      assertTrue(attempted.stream().noneMatch(e -> e.toMap().toString().contains("eyJ")));
    }
  }
}
