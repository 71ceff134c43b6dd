package com.doit.idp.hsm;

import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;

/**
 * A nimbus {@link JWSSigner} whose private key stays in the HSM: nimbus builds the JOSE signing input and serialises
 * the result, this class only asks the token for the signature, on a pooled session of its
 * {@link Pkcs11RoleKeyStore}.
 *
 * <ul>
 *   <li>RS256: {@code CKM_SHA256_RSA_PKCS} over the signing input (the token hashes and pads; RFC 7518 section 3.3).
 *   <li>ES256: SHA-256 of the signing input in Java, then {@code CKM_ECDSA} over the digest. PKCS#11 returns
 *       {@code r || s}, each 32 bytes, which is already the JOSE form (RFC 7518 section 3.4), not DER.
 * </ul>
 *
 * <p>It works on object handles from {@link Pkcs11RoleKeyStore}, not on a SunPKCS11 {@code PrivateKey}: the JDK's
 * PKCS#11 KeyStore only exposes private keys that have a certificate next to them and loads by scanning the whole
 * token (see {@link Pkcs11RoleKeyStore}).
 *
 * <p>Creating one costs nothing; each {@link #sign} is one HSM round trip. Thread-safe. HSM failures surface as
 * {@link com.doit.idp.role.HsmException} (nimbus's {@code JWSObject.sign} wraps it in a {@link JOSEException} whose
 * cause it is); a header whose algorithm is not the key's is a {@link JOSEException}.
 */
public final class Pkcs11JwsSigner implements JWSSigner {
  private final Pkcs11RoleKeyStore store;
  private final RoleKey key;
  private final JCAContext jcaContext = new JCAContext();

  Pkcs11JwsSigner(Pkcs11RoleKeyStore store, RoleKey key) {
    this.store = store;
    this.key = key;
  }

  @Override
  public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
    if (!key.algorithm().jws().equals(header.getAlgorithm())) {
      throw new JOSEException("key " + key.kid() + " signs " + key.algorithm() + " only, not " + header.getAlgorithm());
    }
    if (key.algorithm() == SigningAlgorithm.RS256) {
      return Base64URL.encode(store.sign(key, PKCS11Constants.CKM_SHA256_RSA_PKCS, signingInput));
    }
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(signingInput);
    } catch (NoSuchAlgorithmException e) {
      throw new JOSEException("SHA-256 unavailable", e);
    }
    byte[] rs = store.sign(key, PKCS11Constants.CKM_ECDSA, digest);
    if (rs.length != 64) throw new JOSEException("the HSM returned an ES256 signature of " + rs.length + " bytes, not 64");
    return Base64URL.encode(rs);
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return Set.of(key.algorithm().jws());
  }

  @Override
  public JCAContext getJCAContext() {
    return jcaContext;
  }

  /** The key this signer signs with. */
  public RoleKey key() {
    return key;
  }
}
