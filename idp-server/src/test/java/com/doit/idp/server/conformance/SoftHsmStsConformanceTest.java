package com.doit.idp.server.conformance;

import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.hostile.IdpUnderTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/**
 * The STS rules once more with the keys in a real SoftHSM2 token (generated there, signing there), for both
 * algorithms and after a rotation, so what passes in memory is known to pass on PKCS#11 too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SoftHsmStsConformanceTest {
  final String account = SoftHsmToken.uniqueAccount();
  Pkcs11RoleKeyStore store;
  IdpUnderTest idp;

  @BeforeAll
  void start() {
    store = new Pkcs11RoleKeyStore(SoftHsmToken.shared());
    idp = IdpUnderTest.start(store, Map.of());
  }

  @AfterAll
  void stop() {
    try {
      for (String e : new String[] {"hsm-rs", "hsm-es", "hsm-rot", "hsm-rs-other", "hsm-es-other",
          "hsm-rot-other"}) {
        try {
          idp.revoke(account, e);
        } catch (RuntimeException gone) {
          // not created by this run's tests
        }
      }
    } finally {
      idp.close();
      store.close();
    }
  }

  @Nested
  class Rs256OnSoftHsm extends StsRules {
    @Override
    protected Scenario prepare() {
      idp.createRole(account, "hsm-rs", SigningAlgorithm.RS256);
      return new Scenario(idp, account, "hsm-rs", SigningAlgorithm.RS256, idp.mint(account, "hsm-rs"), false);
    }
  }

  @Nested
  class Es256OnSoftHsm extends StsRules {
    @Override
    protected Scenario prepare() {
      idp.createRole(account, "hsm-es", SigningAlgorithm.ES256);
      return new Scenario(idp, account, "hsm-es", SigningAlgorithm.ES256, idp.mint(account, "hsm-es"), false);
    }
  }

  @Nested
  class Es256RotatedOnSoftHsm extends StsRules {
    @Override
    protected Scenario prepare() {
      idp.createRole(account, "hsm-rot", SigningAlgorithm.ES256);
      idp.rotate(account, "hsm-rot");
      idp.advance(idp.config().http().jwksMaxAge());
      return new Scenario(idp, account, "hsm-rot", SigningAlgorithm.ES256, idp.mint(account, "hsm-rot"), false);
    }
  }
}
