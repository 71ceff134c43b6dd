package com.doit.idp.server.metrics;

import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A {@link RoleKeyStore} that measures every HSM operation: {@code idp_hsm_operation_seconds{operation}} for
 * generate, list, relabel, delete and ping, and {@code idp_hsm_failures_total{operation}} for every one of them
 * that throws, sign included. Signing latency itself is timed by the token minter under the same name with
 * {@code operation="sign"} ({@code TokenMetrics}); timing it here too would count every signature twice, and
 * Prometheus requires every registration of one name to carry the same tag keys, so this class uses
 * {@code operation} only. The timers are histograms ({@link Latency}); the failure counters of every operation exist
 * from the start at 0, so that {@code rate()} and alerts see them before the first failure. Everything else is passed
 * to the wrapped store unchanged. Thread-safe when the wrapped store is. {@link #close} closes the wrapped store.
 */
public final class TimedRoleKeyStore implements RoleKeyStore {
  /** The same name as {@code TokenMetrics.HSM_OPERATION}: one series family for every HSM operation. */
  public static final String OPERATIONS = "idp.hsm.operation";
  public static final String FAILURES = "idp.hsm.failures";

  /** The operations timed here; {@code sign} is timed by {@code TokenMetrics} but its failures are counted here. */
  static final List<String> TIMED = List.of("generate", "list", "relabel", "delete", "ping");

  private final RoleKeyStore store;
  private final Map<String, Timer> timers = new HashMap<>();
  private final Map<String, Counter> failures = new HashMap<>();

  public TimedRoleKeyStore(RoleKeyStore store, MeterRegistry registry) {
    this.store = store;
    for (String operation : TIMED) {
      timers.put(operation, Latency.timer(OPERATIONS).description("HSM operation latency").tag("operation", operation)
          .register(registry));
    }
    for (String operation : Stream.concat(TIMED.stream(), Stream.of("sign")).toList()) {
      failures.put(operation, Counter.builder(FAILURES).description("HSM operations that failed")
          .tag("operation", operation).register(registry));
    }
  }

  private <T> T timed(String operation, Supplier<T> call) {
    long start = System.nanoTime();
    try {
      return call.get();
    } catch (RuntimeException | Error e) {
      failed(operation);
      throw e;
    } finally {
      timers.get(operation).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private void failed(String operation) {
    failures.get(operation).increment();
  }

  @Override
  public RoleKey generate(KeyMetadata metadata) {
    return timed("generate", () -> store.generate(metadata));
  }

  @Override
  public List<RoleKey> list() {
    return timed("list", store::list);
  }

  @Override
  public RoleKey relabel(RoleKey key, KeyMetadata metadata) {
    return timed("relabel", () -> store.relabel(key, metadata));
  }

  @Override
  public void delete(RoleKey key) {
    timed("delete", () -> {
      store.delete(key);
      return null;
    });
  }

  @Override
  public JWSSigner signer(RoleKey key) {
    JWSSigner inner = store.signer(key);
    return new JWSSigner() {
      @Override
      public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        try {
          return inner.sign(header, signingInput);
        } catch (JOSEException | RuntimeException e) {
          failed("sign");
          throw e;
        }
      }

      @Override
      public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return inner.supportedJWSAlgorithms();
      }

      @Override
      public JCAContext getJCAContext() {
        return inner.getJCAContext();
      }
    };
  }

  @Override
  public void ping() {
    timed("ping", () -> {
      store.ping();
      return null;
    });
  }

  @Override
  public void close() {
    store.close();
  }
}
