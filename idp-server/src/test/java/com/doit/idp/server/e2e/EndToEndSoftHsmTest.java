package com.doit.idp.server.e2e;

import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleKeyStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link EndToEndContract} over a real SoftHSM2 token through PKCS#11: keys generated in the token, tokens signed
 * inside it. The token is shared by the JVM's tests, so every test uses accounts of its own.
 */
class EndToEndSoftHsmTest extends EndToEndContract {
  private static Pkcs11RoleKeyStore store;

  @BeforeAll
  static void openHsm() {
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
  }

  @AfterAll
  static void closeHsm() {
    store.close();
  }

  @Override
  RoleKeyStore store() {
    return store;
  }

  @Override
  String account() {
    return SoftHsmToken.uniqueAccount();
  }
}
