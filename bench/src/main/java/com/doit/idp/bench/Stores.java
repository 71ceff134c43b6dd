package com.doit.idp.bench;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.role.RoleKeyStore;

/** Opens the product's PKCS#11 role key store from a configuration, as the server and keys-admin do. */
final class Stores {
  private Stores() {}

  static RoleKeyStore open(IdpConfig config) {
    return new Pkcs11RoleKeyStore(config.hsm());
  }
}
