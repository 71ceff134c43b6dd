package com.doit.idp.cli;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleKeyStore;

/** Opens the production role key store. */
final class Stores {
  private Stores() {}

  static RoleKeyStore pkcs11(IdpConfig config) {
    // Replaced by new Pkcs11RoleKeyStore(config.hsm()) when hsm-config's store lands on main.
    throw new HsmException("this build has no PKCS#11 role key store yet (hsm-config)");
  }
}
