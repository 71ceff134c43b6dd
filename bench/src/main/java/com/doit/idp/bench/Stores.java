package com.doit.idp.bench;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;

/** Opens the product's PKCS#11 role key store from a configuration. */
final class Stores {
  private Stores() {}

  static RoleKeyStore open(IdpConfig config) {
    throw new UnsupportedOperationException("Pkcs11RoleKeyStore has not landed on main yet");
  }
}
