package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link RoleKeyStore} backend must have (STYLE.md: one contract suite, every backend passes it,
 * then adds its own tests). A backend's test extends this class and provides {@link #newStore()} and
 * {@link #plantForeignObjects(String)}.
 *
 * <p>Backends may share state between test methods (one HSM token per JVM), so every test works in an account
 * number of its own and only looks at roles of that account.
 */
public abstract class RoleKeyStoreContract {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

  protected RoleKeyStore store;
  protected String account;
  private final Instant now = Instant.ofEpochSecond(1_800_000_000L);

  /** A new store on the backend; closed after each test. */
  protected abstract RoleKeyStore newStore();

  /**
   * Puts on the backend, next to role keys, objects that {@link RoleKeyStore#list()} must skip: one whose label is
   * not ours, one with our prefix whose label is damaged, and whatever else is backend-specific (for an HSM, a pair
   * missing a half, labelled for a role in {@code account}).
   */
  protected abstract void plantForeignObjects(String account);

  @BeforeEach
  void openStore() {
    store = newStore();
    account = Long.toString(Math.floorMod(RANDOM.nextLong(), 900_000_000_000L) + 100_000_000_000L);
  }

  @AfterEach
  void closeStore() {
    if (store == null) return;
    try {
      // Backends shared by a whole test JVM stay small, so later listings stay cheap.
      for (RoleKey k : mine()) store.delete(k);
    } catch (HsmException e) {
      // A test that broke the backend on purpose; nothing to tidy.
    } finally {
      store.close();
    }
  }

  protected KeyMetadata metadata(String engineer, SigningAlgorithm alg) {
    return new KeyMetadata(new RoleId(account, engineer), alg, now, Optional.empty(), now.plus(Duration.ofDays(1)));
  }

  protected List<RoleKey> mine() {
    return store.list().stream().filter(k -> k.role().account().equals(account)).toList();
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void aGeneratedKeyIsListedWithItsMetadataJwkAndRef(SigningAlgorithm alg) {
    RoleKey key = store.generate(metadata("alice", alg));

    List<RoleKey> listed = mine();
    assertEquals(1, listed.size());
    RoleKey seen = listed.get(0);
    assertEquals(key.ref(), seen.ref());
    assertEquals(key.kid(), seen.kid());
    assertEquals(key.publicJwk(), seen.publicJwk());
    assertEquals(metadata("alice", alg), seen.metadata());
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void theKidIsTheRfc7638ThumbprintOfThePublicJwk(SigningAlgorithm alg) throws JOSEException {
    RoleKey key = store.generate(metadata("alice", alg));

    assertEquals(key.publicJwk().computeThumbprint("SHA-256").toString(), key.kid());
    assertEquals(key.kid(), key.publicJwk().getKeyID());
    assertEquals(key.kid(), mine().get(0).publicJwk().computeThumbprint().toString());
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void thePublishedJwkHasNoPrivateMemberAndCarriesUseAlgAndKid(SigningAlgorithm alg) {
    RoleKey key = store.generate(metadata("alice", alg));

    for (JWK jwk : List.of(key.publicJwk(), mine().get(0).publicJwk())) {
      Map<String, Object> json = jwk.toJSONObject();
      assertFalse(jwk.isPrivate());
      for (String member : PRIVATE_MEMBERS) assertFalse(json.containsKey(member), member);
      assertEquals("sig", json.get("use"));
      assertEquals(alg.name(), json.get("alg"));
      assertEquals(key.kid(), json.get("kid"));
      assertEquals(KeyUse.SIGNATURE, jwk.getKeyUse());
      if (alg == SigningAlgorithm.RS256) {
        assertEquals(KeyType.RSA, jwk.getKeyType());
        assertEquals(2048, jwk.size());
        assertEquals("AQAB", json.get("e"));
      } else {
        assertEquals(KeyType.EC, jwk.getKeyType());
        assertEquals(Curve.P_256, jwk.toECKey().getCurve());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void signaturesVerifyWithThePublishedJwk(SigningAlgorithm alg) throws Exception {
    RoleKey key = store.generate(metadata("alice", alg));
    RoleKey listed = mine().get(0);

    for (RoleKey signingKey : List.of(key, listed)) {
      SignedJWT jwt = sign(signingKey, "alice");
      assertTrue(jwt.verify(verifier(key.publicJwk())), "verifies with the generated JWK");
      assertTrue(jwt.verify(verifier(listed.publicJwk())), "verifies with the listed JWK");
    }
  }

  @Test
  void aSignatureDoesNotVerifyWithAnotherKeysJwk() throws Exception {
    RoleKey a = store.generate(metadata("alice", SigningAlgorithm.RS256));
    RoleKey b = store.generate(metadata("bob", SigningAlgorithm.RS256));

    SignedJWT jwt = sign(a, "alice");
    assertFalse(jwt.verify(verifier(b.publicJwk())));
    assertNotEquals(a.kid(), b.kid());
    assertNotEquals(a.ref(), b.ref());
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void aSignerRefusesAHeaderOfTheOtherAlgorithm(SigningAlgorithm alg) {
    RoleKey key = store.generate(metadata("alice", alg));
    JWSAlgorithm other = alg == SigningAlgorithm.RS256 ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;

    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(other).keyID(key.kid()).build(), claims("alice"));
    assertThrows(JOSEException.class, () -> jwt.sign(store.signer(key)));
  }

  @Test
  void bothAlgorithmsCanCoexistForOneRole() {
    RoleKey rs = store.generate(metadata("alice", SigningAlgorithm.RS256));
    RoleKey es = store.generate(metadata("alice", SigningAlgorithm.ES256));

    assertEquals(Set.of(rs.kid(), es.kid()), Set.copyOf(mine().stream().map(RoleKey::kid).toList()));
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void relabelReplacesTheMetadataThatListReturnsAndKeepsTheKey(SigningAlgorithm alg) throws Exception {
    RoleKey key = store.generate(metadata("alice", alg));
    KeyMetadata retiring = key.metadata().withRetireAt(now.plusSeconds(3600)).withRoleExpiresAt(now.plusSeconds(7200));

    RoleKey relabelled = store.relabel(key, retiring);

    assertEquals(retiring, relabelled.metadata());
    assertEquals(key.kid(), relabelled.kid());
    RoleKey listed = mine().get(0);
    assertEquals(retiring, listed.metadata());
    assertEquals(key.ref(), listed.ref());
    assertEquals(key.kid(), listed.kid());
    assertTrue(sign(listed, "alice").verify(verifier(key.publicJwk())));
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void deleteRemovesTheKeyAndSigningWithItFails(SigningAlgorithm alg) {
    RoleKey keep = store.generate(metadata("bob", alg));
    RoleKey key = store.generate(metadata("alice", alg));

    store.delete(key);

    assertEquals(List.of(keep.kid()), mine().stream().map(RoleKey::kid).toList());
    assertHsmFailure(() -> sign(key, "alice"));
  }

  @Test
  void deleteIsIdempotent() {
    RoleKey key = store.generate(metadata("alice", SigningAlgorithm.ES256));

    store.delete(key);
    store.delete(key);

    assertEquals(List.of(), mine());
  }

  @Test
  void relabellingADeletedKeyFailsWithHsmException() {
    RoleKey key = store.generate(metadata("alice", SigningAlgorithm.RS256));
    store.delete(key);

    assertThrows(HsmException.class, () -> store.relabel(key, key.metadata().withRetireAt(now)));
  }

  @Test
  void listSkipsObjectsThatAreNotRoleKeys() {
    RoleKey key = store.generate(metadata("alice", SigningAlgorithm.RS256));

    plantForeignObjects(account);

    List<RoleKey> listed = mine();
    assertEquals(List.of(key.kid()), listed.stream().map(RoleKey::kid).toList());
  }

  // ---------------------------------------------------------------------------------------------------------------

  protected SignedJWT sign(RoleKey key, String engineer) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm().jws()).keyID(key.kid()).build(), claims(engineer));
    jwt.sign(store.signer(key));
    return jwt;
  }

  protected static JWTClaimsSet claims(String engineer) {
    return new JWTClaimsSet.Builder().subject(engineer).issueTime(new java.util.Date()).build();
  }

  protected static JWSVerifier verifier(JWK jwk) throws JOSEException {
    return jwk.getKeyType() == KeyType.RSA
        ? new RSASSAVerifier(jwk.toRSAKey())
        : new ECDSAVerifier(jwk.toECKey());
  }

  /** Asserts that {@code action} fails with an {@link HsmException}, possibly wrapped by nimbus. */
  protected static void assertHsmFailure(ThrowingAction action) {
    try {
      action.run();
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof HsmException) return;
      }
      fail("expected an HsmException, got " + e);
    }
    fail("expected an HsmException, nothing was thrown");
  }

  @FunctionalInterface
  protected interface ThrowingAction {
    void run() throws Exception;
  }
}
