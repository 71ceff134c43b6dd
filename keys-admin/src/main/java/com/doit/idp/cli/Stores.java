package com.doit.idp.cli;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.role.RoleKeyStore;

/** Opens the production role key store: the PKCS#11 token of {@code hsm.*}, as the server does. */
final class Stores {
  private Stores() {}

  static RoleKeyStore pkcs11(IdpConfig config) {
    return new Pkcs11RoleKeyStore(config.hsm());
  }
}
