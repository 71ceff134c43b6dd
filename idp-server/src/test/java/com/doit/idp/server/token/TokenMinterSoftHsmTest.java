package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.audit.AuditLog;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.role.SupportRole;
import com.doit.idp.role.MutableClock;
import com.doit.idp.server.sso.VerifiedEngineer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link TokenMinter} signing inside a real SoftHSM2 token through PKCS#11; tokens checked with jose4j as STS would. */
class TokenMinterSoftHsmTest {
  private static Pkcs11RoleKeyStore store;
  private static final MutableClock clock = new MutableClock(Instant.now());
  private static final RoleNames names = new RoleNames(TokenFixture.BASE, "DoiT-Support-", StsCheck.AUDIENCE);
  private static RoleService roles;
  private static TokenMinter minter;

  @BeforeAll
  static void open() {
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
    AuditLog discard = e -> {};
    roles = new RoleService(store, new RoleService.Settings(Duration.ofHours(1), Duration.ofDays(1), 1000,
        Duration.ofSeconds(300), TokenFixture.LIFETIME, SigningAlgorithm.RS256), clock, discard, names);
    minter = new TokenMinter(store, names, TokenFixture.LIFETIME, clock, new TokenMetrics(new SimpleMeterRegistry()));
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private void mintsATokenStsAccepts(SigningAlgorithm alg) throws Exception {
    RoleId id = new RoleId(SoftHsmToken.uniqueAccount(), "dave");
    SupportRole role = roles.create(id, Optional.empty(), Optional.of(alg), "test");
    try {
      MintedToken t = minter.mint(new VerifiedEngineer("dave", "dave@doit.com"), role);
      JwtClaims c = StsCheck.verify(t.token(), StsCheck.jwks(role, clock.instant()), names.issuer(id), clock.instant());
      assertEquals("dave", c.getSubject());
      assertEquals(alg, t.algorithm());
    } finally {
      roles.revoke(id, "test");
    }
  }

  @Test
  void anRs256TokenSignedInTheHsmVerifiesAgainstThePublishedJwks() throws Exception {
    mintsATokenStsAccepts(SigningAlgorithm.RS256);
  }

  @Test
  void anEs256TokenSignedInTheHsmVerifiesAgainstThePublishedJwks() throws Exception {
    mintsATokenStsAccepts(SigningAlgorithm.ES256);
  }
}
