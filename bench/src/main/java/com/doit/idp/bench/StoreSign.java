package com.doit.idp.bench;

import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Part 1, second table: signatures per second through the product's own signing path ({@code RoleKeyStore.signer},
 * the nimbus {@link JWSSigner} the server signs tokens with, over the product's PKCS#11 session pool), on the same
 * token, so a gap between token exchange and the limit can be split into "signing path" and "the rest". Runs in a
 * JVM of its own: {@code StoreSign CONFIG SECONDS ROUNDS THREADS...}, PIN in {@code IDP_HSM_PIN}. Its two keys belong
 * to a role of their own and are deleted before it exits, so the server never sees them.
 */
public final class StoreSign {
  private StoreSign() {}

  static final RoleId ROLE = new RoleId("999999999999", "bench-signer");

  public static void main(String[] args) throws Exception {
    IdpConfig config = ConfigLoader.load(Optional.of(Path.of(args[0])), false);
    double seconds = Double.parseDouble(args[1]);
    int rounds = Integer.parseInt(args[2]);
    try (RoleKeyStore store = Stores.open(config)) {
      Instant now = Instant.now();
      List<RoleKey> keys = new ArrayList<>();
      try {
        for (SigningAlgorithm alg : List.of(SigningAlgorithm.RS256, SigningAlgorithm.ES256)) {
          RoleKey key = store.generate(new KeyMetadata(ROLE, alg, now, Optional.empty(), now.plus(Duration.ofHours(1))));
          keys.add(key);
          JWSSigner signer = store.signer(key);
          JWSHeader header = new JWSHeader.Builder(alg.jws()).keyID(key.kid()).build();
          measure(signer, header, 2, Math.min(1.0, seconds)); // warm-up
          for (int i = 3; i < args.length; i++) {
            int threads = Integer.parseInt(args[i]);
            for (int round = 1; round <= rounds; round++) {
              long cpu0 = RawSign.processCpuNanos();
              long ops = measure(signer, header, threads, seconds);
              double cpuMs = (RawSign.processCpuNanos() - cpu0) / 1e6;
              System.out.printf("RESULT alg=%s threads=%d round=%d ops=%d seconds=%.3f cpu_ms=%.1f%n", alg, threads,
                  round, ops, seconds, cpuMs);
            }
          }
        }
      } finally {
        for (RoleKey k : keys) store.delete(k);
      }
    }
    System.out.flush();
  }

  static long measure(JWSSigner signer, JWSHeader header, int threads, double seconds) throws Exception {
    return RawSign.run(threads, seconds, () -> () -> signer.sign(header, RawSign.INPUT));
  }
}
