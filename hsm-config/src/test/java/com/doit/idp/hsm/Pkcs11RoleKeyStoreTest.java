package com.doit.idp.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleKeyStoreContract;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The PKCS#11 store on a real SoftHSM2 token: the shared contract, then what only an HSM has. */
class Pkcs11RoleKeyStoreTest extends RoleKeyStoreContract {

  @Override
  protected RoleKeyStore newStore() {
    return new Pkcs11RoleKeyStore(SoftHsmToken.shared());
  }

  private Pkcs11RoleKeyStore pkcs11() {
    return (Pkcs11RoleKeyStore) store;
  }

  @Override
  protected void plantForeignObjects(String account) {
    Pkcs11RoleKeyStore s = pkcs11();
    // Another application's key on the shared token.
    TokenObjects.keyPair(s, false, "my-app-signing-key");
    // Keys as the JDK's SunPKCS11 makes them: no label, no id at all.
    TokenObjects.keyPair(s, false, null);
    // Our prefix, damaged label.
    TokenObjects.keyPair(s, true, KeyMetadata.PREFIX + account + "/alice RS256 not-a-number - 1");
    // A valid label on the wrong key type (says ES256, is RSA).
    TokenObjects.keyPair(s, true, metadata("dave", SigningAlgorithm.ES256).toLabel());
    // A pair missing its private half (a delete that stopped midway, or a write in progress elsewhere).
    long[] half = TokenObjects.keyPair(s, false, metadata("carol", SigningAlgorithm.ES256).toLabel());
    TokenObjects.destroy(s, half[1]);
    // A pair missing its public half.
    long[] other = TokenObjects.keyPair(s, false, metadata("erin", SigningAlgorithm.ES256).toLabel());
    TokenObjects.destroy(s, other[0]);
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void thePrivateKeyIsSensitiveNeverExtractableAndOnTheToken(SigningAlgorithm alg) {
    RoleKey key = store.generate(metadata("alice", alg));

    long[] priv = TokenObjects.find(pkcs11(), PKCS11Constants.CKO_PRIVATE_KEY, key.ref());
    assertEquals(1, priv.length);
    long h = priv[0];
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_SENSITIVE));
    assertFalse(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_EXTRACTABLE));
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_TOKEN));
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_PRIVATE));
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_NEVER_EXTRACTABLE));
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_ALWAYS_SENSITIVE));
    assertTrue(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_SIGN));
    assertFalse(TokenObjects.readBoolean(pkcs11(), h, PKCS11Constants.CKA_DECRYPT));
    long secret = alg == SigningAlgorithm.RS256 ? PKCS11Constants.CKA_PRIVATE_EXPONENT : PKCS11Constants.CKA_VALUE;
    assertEquals(PKCS11Constants.CKR_ATTRIBUTE_SENSITIVE, TokenObjects.readFailure(pkcs11(), h, secret));
    long[] pub = TokenObjects.find(pkcs11(), PKCS11Constants.CKO_PUBLIC_KEY, key.ref());
    assertEquals(1, pub.length);
    assertTrue(TokenObjects.readBoolean(pkcs11(), pub[0], PKCS11Constants.CKA_TOKEN));
    assertTrue(TokenObjects.readBoolean(pkcs11(), pub[0], PKCS11Constants.CKA_VERIFY));
  }

  @Test
  void bothHalvesCarryTheLabelAndRelabelRewritesBoth() {
    RoleKey key = store.generate(metadata("alice", SigningAlgorithm.ES256));
    long pub = TokenObjects.find(pkcs11(), PKCS11Constants.CKO_PUBLIC_KEY, key.ref())[0];
    long priv = TokenObjects.find(pkcs11(), PKCS11Constants.CKO_PRIVATE_KEY, key.ref())[0];
    assertEquals(key.metadata().toLabel(), TokenObjects.readLabel(pkcs11(), pub));
    assertEquals(key.metadata().toLabel(), TokenObjects.readLabel(pkcs11(), priv));

    KeyMetadata retiring = key.metadata().withRetireAt(key.metadata().signFrom().plusSeconds(60));
    store.relabel(key, retiring);

    assertEquals(retiring.toLabel(), TokenObjects.readLabel(pkcs11(), pub));
    assertEquals(retiring.toLabel(), TokenObjects.readLabel(pkcs11(), priv));
  }

  @Test
  void listReadsTheMetadataFromThePublicHalfOnly() {
    RoleKey key = store.generate(metadata("alice", SigningAlgorithm.ES256));
    long priv = TokenObjects.find(pkcs11(), PKCS11Constants.CKO_PRIVATE_KEY, key.ref())[0];
    // A relabel that stopped after the public half leaves the private half's label stale: list must not care.
    pkcs11().withSession("test relabel", (p, s) -> {
      p.C_SetAttributeValue(s, priv, new sun.security.pkcs11.wrapper.CK_ATTRIBUTE[] {
          new sun.security.pkcs11.wrapper.CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, "stale".toCharArray())});
      return null;
    });

    assertEquals(List.of(key.metadata()), mine().stream().map(RoleKey::metadata).toList());
  }

  @Test
  void aRelabelWhosePrivateHalfRefusesTheWriteStillTakesEffect() {
    // A pair whose private half cannot be modified: the relabel stops after the public half, as after a crash.
    KeyMetadata before = metadata("alice", SigningAlgorithm.ES256);
    long[] pair = TokenObjects.keyPair(pkcs11(), false, before.toLabel(), false);
    RoleKey key = mine().get(0);
    KeyMetadata after = before.withRetireAt(before.signFrom().plusSeconds(60));

    RoleKey relabelled = store.relabel(key, after);

    assertEquals(after, relabelled.metadata());
    assertEquals(List.of(after), mine().stream().map(RoleKey::metadata).toList());
    assertEquals(before.toLabel(), TokenObjects.readLabel(pkcs11(), pair[1]));
  }

  @Test
  void twoStoresOnTheSameTokenSeeEachOthersKeysAfterList() throws Exception {
    try (Pkcs11RoleKeyStore replica = new Pkcs11RoleKeyStore(SoftHsmToken.shared())) {
      RoleKey fromFirst = store.generate(metadata("alice", SigningAlgorithm.ES256));
      RoleKey fromSecond = replica.generate(metadata("bob", SigningAlgorithm.RS256));

      List<RoleKey> seenBySecond = replica.list().stream().filter(k -> k.role().account().equals(account)).toList();
      List<RoleKey> seenByFirst = mine();
      assertEquals(2, seenBySecond.size());
      assertEquals(2, seenByFirst.size());

      RoleKey aliceOnSecond = seenBySecond.stream().filter(k -> k.kid().equals(fromFirst.kid())).findFirst().orElseThrow();
      SignedJWT jwt = new SignedJWT(
          new com.nimbusds.jose.JWSHeader.Builder(aliceOnSecond.algorithm().jws()).keyID(aliceOnSecond.kid()).build(),
          claims("alice"));
      jwt.sign(replica.signer(aliceOnSecond));
      assertTrue(jwt.verify(verifier(fromFirst.publicJwk())));

      // A delete by one replica: the other's cached handle fails cleanly, then its list no longer has the key.
      replica.delete(fromSecond);
      assertHsmFailure(() -> sign(fromSecond, "bob"));
      assertEquals(List.of(fromFirst.kid()), mine().stream().map(RoleKey::kid).toList());
    }
  }

  @Test
  void aStoreSignsWithAKeyItHasNeverListed() throws Exception {
    try (Pkcs11RoleKeyStore replica = new Pkcs11RoleKeyStore(SoftHsmToken.shared())) {
      RoleKey key = replica.generate(metadata("alice", SigningAlgorithm.RS256));

      assertTrue(sign(key, "alice").verify(verifier(key.publicJwk())));
    }
  }
}
