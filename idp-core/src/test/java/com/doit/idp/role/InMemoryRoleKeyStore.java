package com.doit.idp.role;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fake HSM in memory, for tests of everything above the key store (fakes over mocks). It passes the same
 * contract suite as the PKCS#11 store. {@link #fail(boolean)} makes every call throw {@link HsmException}, as an
 * HSM outage would.
 */
public final class InMemoryRoleKeyStore implements RoleKeyStore {
  private final Map<String, RoleKey> keys = new ConcurrentHashMap<>();
  private final Map<String, KeyPair> pairs = new ConcurrentHashMap<>();
  private final AtomicBoolean failing = new AtomicBoolean();
  private final Map<String, Map.Entry<String, JWK>> planted = new ConcurrentHashMap<>();

  public void fail(boolean on) {
    failing.set(on);
  }

  private void check() {
    if (failing.get()) throw new HsmException("hsm unavailable (simulated)");
  }

  @Override
  public RoleKey generate(KeyMetadata metadata) {
    check();
    try {
      KeyPair pair;
      JWK jwk;
      if (metadata.algorithm() == SigningAlgorithm.RS256) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        pair = g.generateKeyPair();
        jwk = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyUse(KeyUse.SIGNATURE)
            .algorithm(metadata.algorithm().jws()).keyIDFromThumbprint().build();
      } else {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        pair = g.generateKeyPair();
        jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic()).keyUse(KeyUse.SIGNATURE)
            .algorithm(metadata.algorithm().jws()).keyIDFromThumbprint().build();
      }
      String ref = UUID.randomUUID().toString();
      RoleKey key = new RoleKey(ref, jwk.getKeyID(), jwk, metadata);
      pairs.put(ref, pair);
      keys.put(ref, key);
      return key;
    } catch (java.security.GeneralSecurityException | JOSEException e) {
      throw new HsmException("key generation failed", e);
    }
  }

  @Override
  public List<RoleKey> list() {
    check();
    List<RoleKey> all = new ArrayList<>(keys.values());
    // Planted objects are read back the way an HSM backend reads labels: only a label that parses is a role key.
    planted.forEach((ref, e) -> KeyMetadata.parseLabel(e.getKey())
        .ifPresent(m -> all.add(new RoleKey(ref, e.getValue().getKeyID(), e.getValue(), m))));
    return all;
  }

  /**
   * Stores a public key under a raw label, as another program sharing an HSM might; {@link #list()} reports it only
   * if the label parses, like the HSM backends. For the contract test of foreign and damaged labels.
   */
  public void plantRaw(String label) {
    RoleKey donor = generate(new KeyMetadata(new RoleId("000000000000", "donor"), SigningAlgorithm.ES256,
        java.time.Instant.EPOCH, java.util.Optional.empty(), java.time.Instant.EPOCH));
    keys.remove(donor.ref());
    pairs.remove(donor.ref());
    planted.put(donor.ref(), Map.entry(label, donor.publicJwk()));
  }

  @Override
  public RoleKey relabel(RoleKey key, KeyMetadata metadata) {
    check();
    RoleKey now = keys.computeIfPresent(key.ref(), (r, k) -> k.withMetadata(metadata));
    if (now == null) throw new HsmException("no such key " + key.kid());
    return now;
  }

  @Override
  public void delete(RoleKey key) {
    check();
    keys.remove(key.ref());
    pairs.remove(key.ref());
  }

  @Override
  public JWSSigner signer(RoleKey key) {
    KeyPair pair = pairs.get(key.ref());
    if (pair == null) throw new HsmException("no such key " + key.kid());
    JWSSigner inner = key.algorithm() == SigningAlgorithm.RS256
        ? new RSASSASigner(pair.getPrivate())
        : newEcSigner(pair);
    return new JWSSigner() {
      @Override
      public com.nimbusds.jose.util.Base64URL sign(com.nimbusds.jose.JWSHeader header, byte[] input) throws JOSEException {
        check();
        if (!keys.containsKey(key.ref())) throw new HsmException("no such key " + key.kid());
        return inner.sign(header, input);
      }

      @Override
      public java.util.Set<com.nimbusds.jose.JWSAlgorithm> supportedJWSAlgorithms() {
        return inner.supportedJWSAlgorithms();
      }

      @Override
      public com.nimbusds.jose.jca.JCAContext getJCAContext() {
        return inner.getJCAContext();
      }
    };
  }

  private static JWSSigner newEcSigner(KeyPair pair) {
    try {
      return new ECDSASigner(pair.getPrivate(), Curve.P_256);
    } catch (JOSEException e) {
      throw new HsmException("bad EC key", e);
    }
  }

  @Override
  public void ping() {
    check();
  }

  @Override
  public void close() {}
}
