package com.doit.idp.bench;

import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Creates the benchmark's roles through the product, in a JVM of its own: {@code RoleSeeder CONFIG FROM TO} creates
 * roles number FROM to TO-1 (PIN in {@code IDP_HSM_PIN}). Role 0 is {@code 100000000001/bench} (RS256), role 1
 * {@code 100000000002/bench} (ES256), the others ES256 roles of 100 engineers over distinct accounts.
 *
 * <p>The first {@code baseRoles} go through {@link RoleService#create}, exactly as {@code keys-admin role create}
 * does. {@code RoleService.create} scans the whole token before each creation (to refuse duplicates and enforce
 * {@code roles.max-active}), which makes creating thousands of roles quadratic; the bulk therefore calls the
 * product's key store directly with the very metadata {@code RoleService.create} writes (role, algorithm, sign
 * from now, no retirement, expiry now + {@code roles.default-ttl}), on 2 threads. Prints
 * {@code SEEDED roles=N seconds=S}.
 */
public final class RoleSeeder {
  private RoleSeeder() {}

  /** Roles created through {@link RoleService} one by one; the rest in bulk. */
  static final int THROUGH_SERVICE = 10;

  static RoleId role(int i) {
    if (i == 0) return new RoleId(Bench.RS_ACCOUNT, Bench.ENGINEER);
    if (i == 1) return new RoleId(Bench.ES_ACCOUNT, Bench.ENGINEER);
    return new RoleId(String.format(Locale.ROOT, "%012d", 200_000_000_000L + i), "eng" + (i % 100));
  }

  static SigningAlgorithm algorithm(int i) {
    return i == 0 ? SigningAlgorithm.RS256 : SigningAlgorithm.ES256;
  }

  public static void main(String[] args) throws Exception {
    Path configFile = Path.of(args[0]);
    int from = Integer.parseInt(args[1]);
    int to = Integer.parseInt(args[2]);
    IdpConfig config = ConfigLoader.load(Optional.of(configFile), false);
    long t0 = System.nanoTime();
    try (RoleKeyStore store = Stores.open(config);
        FileAuditLog audit = new FileAuditLog(config.audit().file())) {
      RoleService service = new RoleService(store, RoleService.Settings.of(config), Clock.systemUTC(), audit,
          RoleNames.of(config));
      int serial = Math.min(to, Math.max(from, THROUGH_SERVICE));
      for (int i = from; i < serial; i++) {
        service.create(role(i), Optional.empty(), Optional.of(algorithm(i)), "keys-admin:bench");
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> jobs = new ArrayList<>();
        for (int i = serial; i < to; i++) {
          int n = i;
          jobs.add(pool.submit(() -> {
            Instant now = Instant.now();
            store.generate(new KeyMetadata(role(n), algorithm(n), now, Optional.empty(),
                now.plus(config.roles().defaultTtl())));
          }));
        }
        for (Future<?> f : jobs) f.get();
      } finally {
        pool.shutdown();
      }
    }
    System.out.printf(Locale.ROOT, "SEEDED roles=%d seconds=%.3f%n", to - from, (System.nanoTime() - t0) / 1e9);
  }
}
