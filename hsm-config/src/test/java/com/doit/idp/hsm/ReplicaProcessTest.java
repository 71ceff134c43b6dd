package com.doit.idp.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two processes on one SoftHSM2 token (file backend), as two server replicas or a server and keys-admin are: each sees
 * the other's writes on its next listing, without reinitialising the library.
 */
class ReplicaProcessTest {

  /** Runs {@link ReplicaMain} in a new JVM with this JVM's class path and PKCS#11 module flags. */
  static String runReplica(IdpConfig.Hsm hsm, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(SoftHsmToken.pkcs11JvmOptions());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        ReplicaMain.class.getName(), hsm.library().toString(), hsm.tokenLabel()));
    cmd.addAll(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("IDP_HSM_PIN", new String(hsm.pin().reveal()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "replica process did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void keysWrittenByAnotherProcessAreSeenOnTheNextListWithoutReinitialising() throws Exception {
    IdpConfig.Hsm hsm = SoftHsmToken.shared();
    String account = SoftHsmToken.uniqueAccount();
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(hsm)) {
      Instant now = Instant.ofEpochSecond(1_800_000_000L);
      RoleKey ours = store.generate(new KeyMetadata(new RoleId(account, "local"), SigningAlgorithm.RS256, now,
          Optional.empty(), now.plusSeconds(3600)));
      long generation = Pkcs11Library.get(hsm.library()).generation();

      String out = runReplica(hsm, "generate", account, "ES256");
      String kid = out.lines().filter(l -> l.startsWith("kid=")).findFirst().orElseThrow().substring(4);

      List<RoleKey> mine = store.list().stream().filter(k -> k.role().account().equals(account)).toList();
      RoleKey theirs = mine.stream().filter(k -> k.kid().equals(kid)).findFirst().orElseThrow();
      assertEquals(2, mine.size());
      assertEquals(generation, Pkcs11Library.get(hsm.library()).generation(), "no reinitialisation was needed");
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(theirs.algorithm().jws()).keyID(kid).build(),
          new JWTClaimsSet.Builder().subject("replica").build());
      jwt.sign(store.signer(theirs));
      assertTrue(jwt.verify(new ECDSAVerifier(theirs.publicJwk().toECKey())));

      runReplica(hsm, "delete", account);

      assertEquals(List.of(), store.list().stream().filter(k -> k.role().account().equals(account)).toList());
      assertTrue(store.isUp());
      // Our cached handle of a key another process deleted: a clean "no such key", not an outage.
      RoleKeyStoreAssertions.assertHsmFailure(() -> store.signer(ours).sign(
          new JWSHeader(ours.algorithm().jws()), new byte[] {1}));
      assertTrue(store.isUp());
    }
  }
}
