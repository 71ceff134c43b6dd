package com.doit.idp.server.e2e;

import com.doit.idp.role.RoleKeyStore;
import java.security.SecureRandom;

/** {@link EndToEndContract} over the in-memory HSM. */
class EndToEndInMemoryTest extends EndToEndContract {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  RoleKeyStore store() {
    return null;
  }

  @Override
  String account() {
    return Long.toString(100_000_000_000L + Math.floorMod(RANDOM.nextLong(), 900_000_000_000L));
  }
}
