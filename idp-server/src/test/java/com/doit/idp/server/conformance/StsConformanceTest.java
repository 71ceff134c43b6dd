package com.doit.idp.server.conformance;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.hostile.IdpUnderTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/**
 * aws-sts-rules.md sections 1-4 and 6 for both algorithms and through every phase of a staged rotation, against
 * one running server (in-memory HSM). Each nested class is one moment; {@link StsRules} holds the rules.
 * The same rules run on SoftHSM2 in {@link SoftHsmStsConformanceTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StsConformanceTest {
  static final String ACCOUNT = "123456789012";
  IdpUnderTest idp;

  @BeforeAll
  void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
  }

  @AfterAll
  void stop() {
    idp.close();
  }

  private StsRules.Scenario newRole(String engineer, SigningAlgorithm alg) {
    idp.createRole(ACCOUNT, engineer, alg);
    return new StsRules.Scenario(idp, ACCOUNT, engineer, alg, idp.mint(ACCOUNT, engineer), false);
  }

  /** Rotation phase 1: the next key is published, the current one still signs. */
  private StsRules.Scenario rotationStarted(String engineer, SigningAlgorithm alg) {
    idp.createRole(ACCOUNT, engineer, alg);
    idp.rotate(ACCOUNT, engineer);
    return new StsRules.Scenario(idp, ACCOUNT, engineer, alg, idp.mint(ACCOUNT, engineer), false);
  }

  /** Rotation phase 2: one JWKS max-age later the new key signs; the old one is still published. */
  private StsRules.Scenario rotationSwitched(String engineer, SigningAlgorithm alg) {
    idp.createRole(ACCOUNT, engineer, alg);
    idp.rotate(ACCOUNT, engineer);
    idp.advance(idp.config().http().jwksMaxAge());
    return new StsRules.Scenario(idp, ACCOUNT, engineer, alg, idp.mint(ACCOUNT, engineer), false);
  }

  /** Rotation phase 3: the old key is retired (its last token expired plus one max-age); only the new one is left. */
  private StsRules.Scenario rotationFinished(String engineer, SigningAlgorithm alg) {
    idp.createRole(ACCOUNT, engineer, alg);
    idp.rotate(ACCOUNT, engineer);
    Duration maxAge = idp.config().http().jwksMaxAge();
    idp.advance(maxAge.plus(idp.config().tokens().lifetime()).plus(maxAge).plusSeconds(1));
    return new StsRules.Scenario(idp, ACCOUNT, engineer, alg, idp.mint(ACCOUNT, engineer), false);
  }

  @Nested
  class Rs256NewRole extends StsRules {
    @Override
    protected Scenario prepare() {
      return newRole("rs-new", SigningAlgorithm.RS256);
    }
  }

  @Nested
  class Es256NewRole extends StsRules {
    @Override
    protected Scenario prepare() {
      return newRole("es-new", SigningAlgorithm.ES256);
    }
  }

  @Nested
  class Rs256RotationNextKeyPublished extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationStarted("rs-rot1", SigningAlgorithm.RS256);
    }
  }

  @Nested
  class Es256RotationNextKeyPublished extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationStarted("es-rot1", SigningAlgorithm.ES256);
    }
  }

  @Nested
  class Rs256RotationNextKeySigns extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationSwitched("rs-rot2", SigningAlgorithm.RS256);
    }
  }

  @Nested
  class Es256RotationNextKeySigns extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationSwitched("es-rot2", SigningAlgorithm.ES256);
    }
  }

  @Nested
  class Rs256RotationOldKeyRetired extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationFinished("rs-rot3", SigningAlgorithm.RS256);
    }
  }

  @Nested
  class Es256RotationOldKeyRetired extends StsRules {
    @Override
    protected Scenario prepare() {
      return rotationFinished("es-rot3", SigningAlgorithm.ES256);
    }
  }
}
