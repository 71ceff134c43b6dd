package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.server.sso.VerifiedEngineer;
import com.nimbusds.jose.util.Base64URL;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TokenMinter}: every token checked with jose4j the way STS checks it. */
class TokenMinterTest {
  private static final String ACCOUNT = "123456789012";
  private static final VerifiedEngineer ALICE = new VerifiedEngineer("alice", "Alice@doit.com");

  @TempDir Path dir;
  private TokenFixture f;

  @BeforeEach
  void setUp() {
    f = new TokenFixture(dir);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private JwtClaims checkLikeSts(MintedToken t, SupportRole role) throws Exception {
    return StsCheck.verify(t.token(), StsCheck.jwks(role, f.clock.instant()), f.names.issuer(role.id()), f.clock.instant());
  }

  @Test
  void anRs256TokenCarriesExactlyTheClaimsStsExpects() throws Exception {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    MintedToken t = f.minter.mint(ALICE, role);
    JwtClaims c = checkLikeSts(t, role);
    assertEquals(BASE_ISSUER + "/123456789012/alice", c.getIssuer());
    assertEquals("alice", c.getSubject());
    assertEquals("Alice@doit.com", c.getStringClaimValue("email"));
    assertEquals("alice", c.getStringClaimValue(TokenMinter.SOURCE_IDENTITY_CLAIM));
    assertEquals(300, c.getExpirationTime().getValue() - c.getIssuedAt().getValue());
    assertEquals(c.getIssuedAt().getValue(), c.getNotBefore().getValue());
    assertEquals(f.clock.instant().getEpochSecond(), c.getIssuedAt().getValue());
    assertEquals(t.jti(), c.getJwtId());
    assertEquals(role.signingKey(f.clock.instant()).orElseThrow().kid(), t.kid());
    assertEquals(Set.of("iss", "sub", "aud", "iat", "nbf", "exp", "jti", "email", TokenMinter.SOURCE_IDENTITY_CLAIM),
        Set.copyOf(c.getClaimNames()));
    assertEquals(300, t.lifetimeSeconds());
  }

  private static final String BASE_ISSUER = TokenFixture.BASE;

  @Test
  void anEs256TokenIsSignedByTheRolesP256Key() throws Exception {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.ES256);
    MintedToken t = f.minter.mint(ALICE, role);
    assertEquals(SigningAlgorithm.ES256, t.algorithm());
    checkLikeSts(t, role);
  }

  @Test
  void aTokenDoesNotVerifyAfterItsLifetime() throws Exception {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    MintedToken t = f.minter.mint(ALICE, role);
    String jwks = StsCheck.jwks(role, f.clock.instant());
    assertThrows(InvalidJwtException.class,
        () -> StsCheck.verify(t.token(), jwks, f.names.issuer(role.id()), f.clock.instant().plusSeconds(301)));
  }

  @Test
  void duringARotationTheKeyThatSignsIsNamedByKidAmongTwoKeysOfTheSameAlgorithm() throws Exception {
    SupportRole before = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    String oldKid = before.keys().get(0).kid();
    SupportRole rotating = f.roles.rotate(new RoleId(ACCOUNT, "alice"), "test");
    String newKid = rotating.keys().stream().map(k -> k.kid()).filter(k -> !k.equals(oldKid)).findFirst().orElseThrow();

    MintedToken early = f.minter.mint(ALICE, rotating);
    assertEquals(oldKid, early.kid(), "the new key signs only after one JWKS max-age");
    checkLikeSts(early, rotating);

    f.advance(TokenFixture.JWKS_MAX_AGE);
    MintedToken late = f.minter.mint(ALICE, rotating);
    assertEquals(newKid, late.kid());
    assertEquals(2, rotating.publishedKeys(f.clock.instant()).size());
    checkLikeSts(late, rotating);
  }

  @Test
  void aTokenNeverOutlivesItsRolesGrantWindow() throws Exception {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    f.clock.set(role.expiresAt().minusSeconds(100));
    MintedToken t = f.minter.mint(ALICE, role);
    assertEquals(role.expiresAt().getEpochSecond(), t.expiresAt().getEpochSecond());
    assertTrue(t.lifetimeSeconds() <= 100);
    checkLikeSts(t, role);
  }

  @Test
  void theMinterRefusesARoleOfAnotherEngineer() {
    SupportRole bobs = f.create(ACCOUNT, "bob", SigningAlgorithm.RS256);
    assertThrows(IllegalArgumentException.class, () -> f.minter.mint(ALICE, bobs));
  }

  @Test
  void theMinterRefusesAnEngineerIdTooShortForASourceIdentity() {
    SupportRole role = f.create(ACCOUNT, "a", SigningAlgorithm.RS256);
    assertThrows(IllegalArgumentException.class, () -> f.minter.mint(new VerifiedEngineer("a", "a@doit.com"), role));
    assertTrue(TokenMinter.isSourceIdentity("ab"));
  }

  @Test
  void everyJtiIsFreshAndCarriesAtLeast128RandomBits() {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.ES256);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String jti = f.minter.mint(ALICE, role).jti();
      assertTrue(new Base64URL(jti).decode().length >= 16);
      assertTrue(seen.add(jti));
    }
  }

  @Test
  void anHsmOutageIsAnHsmExceptionAndTheSignIsTimed() {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    f.minter.mint(ALICE, role);
    f.store.fail(true);
    assertThrows(HsmException.class, () -> f.minter.mint(ALICE, role));
    assertEquals(2, f.registry.get(TokenMetrics.HSM_OPERATION).tag("operation", "sign").timer().count());
  }

  @Test
  void theTokenTextNeverAppearsInItsToString() {
    SupportRole role = f.create(ACCOUNT, "alice", SigningAlgorithm.RS256);
    MintedToken t = f.minter.mint(ALICE, role);
    assertTrue(!t.toString().contains(t.token()) && !t.toString().contains(t.token().split("\\.")[2]));
    assertNotEquals(-1, t.toString().indexOf(t.kid()));
    assertTrue(Instant.now().plus(Duration.ofHours(2)).isAfter(t.expiresAt()));
  }
}
