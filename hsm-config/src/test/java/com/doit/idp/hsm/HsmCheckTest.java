package com.doit.idp.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.file.Path;
import java.security.Provider;
import java.security.Security;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** keys-admin hsm check, against a real SoftHSM2 token through the JDK's SunPKCS11 provider. */
class HsmCheckTest {

  private static long sharedSlot() {
    HsmCheck.Result r = HsmCheck.run(SoftHsmToken.shared(), "softhsm2");
    assertTrue(r.ok(), r.problems().toString());
    return r.slotId();
  }

  @Test
  void softHsmPassesEveryStepAndCountsOurRoleKeys() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    String account = SoftHsmToken.uniqueAccount();
    Instant now = Instant.ofEpochSecond(1_800_000_000L);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(hsm)) {
      for (SigningAlgorithm alg : SigningAlgorithm.values()) {
        store.generate(new KeyMetadata(new RoleId(account, "alice"), alg, now, Optional.empty(), now.plusSeconds(60)));
      }
      int before = store.list().size();
      int objectsBefore = TokenObjects.countTokenObjects(store);

      HsmCheck.Result r = HsmCheck.run(hsm, "softhsm2");

      assertTrue(r.ok(), r.problems().toString());
      assertEquals(hsm.tokenLabel(), r.tokenLabel());
      assertEquals("SoftHSM project", r.manufacturer());
      assertTrue(r.mechanisms().containsAll(List.of("CKM_ECDSA", "CKM_SHA256_RSA_PKCS", "CKM_EC_KEY_PAIR_GEN",
          "CKM_RSA_PKCS_KEY_PAIR_GEN")), r.mechanisms().toString());
      assertEquals(List.of(), r.missingMechanisms());
      assertEquals(List.of(SigningAlgorithm.RS256, SigningAlgorithm.ES256),
          r.algorithms().stream().map(HsmCheck.AlgorithmCheck::algorithm).toList());
      assertTrue(r.algorithms().stream().allMatch(HsmCheck.AlgorithmCheck::ok), r.algorithms().toString());
      assertEquals(before, r.roleKeys());
      assertEquals(2 * before, r.objectsUsed());
      assertEquals(OptionalLong.of(100_000), r.capacityObjects());
      // The temporary keys were session objects: the check left no object on the token.
      assertEquals(objectsBefore, TokenObjects.countTokenObjects(store));
      assertEquals(before, store.list().size());
    }
  }

  @Test
  void theResultNeverCarriesThePin() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    String pin = new String(hsm.pin().reveal());

    HsmCheck.Result r = HsmCheck.run(hsm, "softhsm2");

    assertFalse(r.toString().contains(pin));
  }

  @Test
  void aCapacityNearlyUsedUpIsAProblem() {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    String account = SoftHsmToken.uniqueAccount();
    Instant now = Instant.ofEpochSecond(1_800_000_000L);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(hsm)) {
      store.generate(new KeyMetadata(new RoleId(account, "alice"), SigningAlgorithm.ES256, now, Optional.empty(),
          now.plusSeconds(60)));
    }

    HsmCheck.Result r = HsmCheck.run(hsm, "softhsm2", OptionalLong.of(2));

    assertFalse(r.ok());
    assertTrue(r.problems().stream().anyMatch(p -> p.startsWith("capacity: ")), r.problems().toString());
    assertTrue(r.usage().orElseThrow() >= 1.0);
  }

  @Test
  void theYubiHsmTemplateReportsThatOurLabelsDoNotFit() {
    HsmCheck.Result r = HsmCheck.run(SoftHsmToken.shared(), "yubihsm2");

    assertEquals(OptionalLong.of(40), r.maxLabelLength());
    assertEquals(OptionalLong.of(256), r.capacityObjects());
    assertTrue(r.problems().contains("labels: the token takes 40 characters, role key labels need up to "
        + HsmCheck.LONGEST_LABEL), r.problems().toString());
  }

  @Test
  void anAbsentTokenIsReportedByLabel() {
    IdpConfig.Hsm shared = SoftHsmToken.shared();
    HsmCheck.Result r = HsmCheck.run(new IdpConfig.Hsm(shared.library(), "nobody-here", shared.pin(), 1), "softhsm2");

    assertEquals(List.of("connect: no token labelled 'nobody-here'"), r.problems());
  }

  @ParameterizedTest
  @ValueSource(strings = {"softhsm2", "aws-cloudhsm", "yubihsm2", "thales-luna"})
  void everyTemplateIsAValidSunPkcs11ConfigurationOnceFilledIn(String name) {
    String template = HsmCheck.template(name);
    assertTrue(template.contains("@LIBRARY@") && template.contains("@SLOT@"));
    assertTrue(HsmCheck.declared(template, "capacity-objects").isPresent());
    assertTrue(HsmCheck.declared(template, "max-label-length").isPresent());

    Provider p = Security.getProvider("SunPKCS11").configure("--" + HsmCheck.fill(template, SoftHsmToken.LIBRARY, sharedSlot()));

    assertTrue(p.getName().startsWith("SunPKCS11-"), p.getName());
    assertTrue(p.getService("Signature", "SHA256withECDSA") != null);
  }

  @Test
  void theTemplateIsChosenFromTheLibraryName() {
    assertEquals("aws-cloudhsm", HsmCheck.templateFor(Path.of("/opt/cloudhsm/lib/libcloudhsm_pkcs11.so")));
    assertEquals("yubihsm2", HsmCheck.templateFor(Path.of("/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so")));
    assertEquals("thales-luna", HsmCheck.templateFor(Path.of("/usr/safenet/lunaclient/lib/libCryptoki2_64.so")));
    assertEquals("softhsm2", HsmCheck.templateFor(Path.of("/usr/lib/softhsm/libsofthsm2.so")));
  }
}
