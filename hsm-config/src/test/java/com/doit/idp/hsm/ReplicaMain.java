package com.doit.idp.hsm;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.config.Secret;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Another process on the same token, as a second replica or keys-admin would be: {@code generate <account> <alg>}
 * prints the new key's kid; {@code delete <account>} deletes that account's keys. Token from the arguments, PIN from
 * {@code IDP_HSM_PIN}, SoftHSM2 configuration from the inherited {@code SOFTHSM2_CONF}.
 */
public final class ReplicaMain {
  private ReplicaMain() {}

  public static void main(String[] args) {
    // args: <library> <token label> <command> <account> [alg]
    IdpConfig.Hsm hsm = new IdpConfig.Hsm(Path.of(args[0]), args[1], new Secret(System.getenv("IDP_HSM_PIN").toCharArray()), 1);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(hsm)) {
      switch (args[2]) {
        case "generate" -> {
          Instant now = Instant.ofEpochSecond(1_800_000_000L);
          RoleKey key = store.generate(new KeyMetadata(new RoleId(args[3], "replica"), SigningAlgorithm.parse(args[4]),
              now, Optional.empty(), now.plusSeconds(3600)));
          System.out.println("kid=" + key.kid());
        }
        case "delete" -> store.list().stream().filter(k -> k.role().account().equals(args[3])).forEach(store::delete);
        default -> throw new IllegalArgumentException("unknown command " + args[2]);
      }
    }
  }
}
