package com.doit.idp.hsm;

import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import java.security.SecureRandom;
import java.util.HexFormat;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/** Raw PKCS#11 objects for tests: what another program sharing the token might leave there, and attribute reads. */
final class TokenObjects {
  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenObjects() {}

  /** Generates a token key pair with any label; returns {public, private} handles. */
  /** A key pair as another application would make it; a null label makes one with neither CKA_LABEL nor CKA_ID. */
  static long[] keyPair(Pkcs11RoleKeyStore store, boolean rsa, String label) {
    return keyPair(store, rsa, label, true);
  }

  /** As above; {@code privateModifiable} false makes the private half refuse attribute changes (CKA_MODIFIABLE). */
  static long[] keyPair(Pkcs11RoleKeyStore store, boolean rsa, String label, boolean privateModifiable) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return store.withSession("test keypair", (p, s) -> {
      if (label == null) {
        // What the JDK's SunPKCS11 KeyPairGenerator leaves on a token: no label, no id.
        CK_ATTRIBUTE[] pub = rsa
            ? new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
                new CK_ATTRIBUTE(PKCS11Constants.CKA_MODULUS_BITS, 2048L),
                new CK_ATTRIBUTE(PKCS11Constants.CKA_PUBLIC_EXPONENT, new byte[] {1, 0, 1})}
            : new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
                new CK_ATTRIBUTE(PKCS11Constants.CKA_EC_PARAMS, HexFormat.of().parseHex("06082a8648ce3d030107"))};
        CK_ATTRIBUTE[] priv = {new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
            new CK_ATTRIBUTE(PKCS11Constants.CKA_PRIVATE, true), new CK_ATTRIBUTE(PKCS11Constants.CKA_SIGN, true)};
        return p.C_GenerateKeyPair(s, new CK_MECHANISM(rsa ? PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN
            : PKCS11Constants.CKM_EC_KEY_PAIR_GEN), pub, priv);
      }
      CK_ATTRIBUTE[] pub = rsa
          ? new CK_ATTRIBUTE[] {
              new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label.toCharArray()),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_MODULUS_BITS, 2048L),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_PUBLIC_EXPONENT, new byte[] {1, 0, 1})}
          : new CK_ATTRIBUTE[] {
              new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label.toCharArray()),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_EC_PARAMS, HexFormat.of().parseHex("06082a8648ce3d030107"))};
      CK_ATTRIBUTE[] priv = {
          new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_PRIVATE, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_SIGN, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_MODIFIABLE, privateModifiable),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label.toCharArray()),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id)};
      return p.C_GenerateKeyPair(s, new CK_MECHANISM(rsa ? PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN
          : PKCS11Constants.CKM_EC_KEY_PAIR_GEN), pub, priv);
    });
  }

  static void destroy(Pkcs11RoleKeyStore store, long handle) {
    store.withSession("test destroy", (p, s) -> {
      p.C_DestroyObject(s, handle);
      return null;
    });
  }

  /** Handles of the token objects of a class with the given CKA_ID (hex, as in RoleKey.ref). */
  static long[] find(Pkcs11RoleKeyStore store, long objectClass, String refHex) {
    return store.withSession("test find", (p, s) -> {
      p.C_FindObjectsInit(s, new CK_ATTRIBUTE[] {
          new CK_ATTRIBUTE(PKCS11Constants.CKA_CLASS, objectClass),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, HexFormat.of().parseHex(refHex))});
      try {
        return p.C_FindObjects(s, 16);
      } finally {
        p.C_FindObjectsFinal(s);
      }
    });
  }

  /** Every token object (CKA_TOKEN true) the logged-in user can see, of any class. */
  static int countTokenObjects(Pkcs11RoleKeyStore store) {
    return store.withSession("test count", (p, s) -> {
      p.C_FindObjectsInit(s, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true)});
      try {
        int n = 0;
        for (long[] batch = p.C_FindObjects(s, 512); batch.length > 0; batch = p.C_FindObjects(s, 512)) n += batch.length;
        return n;
      } finally {
        p.C_FindObjectsFinal(s);
      }
    });
  }

  static boolean readBoolean(Pkcs11RoleKeyStore store, long handle, long attribute) {
    return store.withSession("test read", (p, s) -> {
      CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(attribute)};
      p.C_GetAttributeValue(s, handle, a);
      return a[0].getBoolean();
    });
  }

  static String readLabel(Pkcs11RoleKeyStore store, long handle) {
    return store.withSession("test read", (p, s) -> {
      CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL)};
      p.C_GetAttributeValue(s, handle, a);
      return new String(a[0].getCharArray());
    });
  }

  /** The return code of reading an attribute, or 0 when it can be read. */
  static long readFailure(Pkcs11RoleKeyStore store, long handle, long attribute) {
    return store.withSession("test read", (p, s) -> {
      try {
        p.C_GetAttributeValue(s, handle, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(attribute)});
        return 0L;
      } catch (PKCS11Exception e) {
        return e.getErrorCode();
      }
    });
  }
}
