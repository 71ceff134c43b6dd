package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.doit.idp.role.HsmException;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RoleListService} with a real SSO issuer and roles created through {@code RoleService}. */
class RoleListServiceTest {
  private static SsoTestIssuer issuer;
  @TempDir Path dir;
  private TokenFixture f;
  private RoleListService service;

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
    service = new RoleListService(TokenFixture.verifier(issuer, f.clock), f.directory, f.names);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void theCallerSeesExactlyTheirOwnActiveRolesOrderedByAccount() {
    SupportRole second = f.create("210987654321", "alice", SigningAlgorithm.ES256, Duration.ofHours(2));
    SupportRole first = f.create("123456789012", "alice", SigningAlgorithm.ES256, Duration.ofMinutes(30));
    f.create("123456789012", "bob", SigningAlgorithm.ES256);
    f.create("333333333333", "alice", SigningAlgorithm.ES256, Duration.ofMinutes(5));
    f.advance(Duration.ofMinutes(6)); // the third of alice's roles has expired

    List<Map<String, Object>> roles = service.rolesFor(issuer.idToken("Alice@doit.com"));
    assertEquals(2, roles.size());
    assertEquals(Map.of(
        "account", "123456789012",
        "role_arn", "arn:aws:iam::123456789012:role/DoiT-Support-alice",
        "issuer", "https://oidc.aws-ops.doit-intl.com/123456789012/alice",
        "expires_at", first.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString()), roles.get(0));
    assertEquals("210987654321", roles.get(1).get("account"));
    String expires = (String) roles.get(1).get("expires_at");
    assertEquals(second.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString(), expires);
    assertEquals(true, expires.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), expires);
  }

  @Test
  void anEngineerWithoutRolesGetsAnEmptyList() {
    assertEquals(List.of(), service.rolesFor(issuer.idToken("carol@doit.com")));
  }

  @Test
  void aMissingOrInvalidTokenIsAnInvalidToken() {
    for (String t : new String[] {null, "", "garbage",
        issuer.idToken(SsoTestIssuer.AUDIENCE, SsoTestIssuer.claims("alice@evil.com", true), 600)}) {
      OAuthError e = assertThrows(OAuthError.class, () -> service.rolesFor(t));
      assertEquals(OAuthError.Code.INVALID_TOKEN, e.code());
    }
  }

  @Test
  void aStaleRoleDirectoryIsAnHsmOutageRatherThanAnEmptyList() {
    f.clock.advance(TokenFixture.CACHE_TTL.plusSeconds(1));
    assertThrows(HsmException.class, () -> service.rolesFor(issuer.idToken("alice@doit.com")));
  }
}
