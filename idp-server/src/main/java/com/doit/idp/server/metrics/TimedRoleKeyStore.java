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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@link RoleKeyStore} that times every HSM operation: {@code idp_hsm_operation_seconds{operation, outcome}},
 * operation one of generate, list, relabel, delete, sign, ping; outcome ok or error. Everything else is passed to
 * the wrapped store unchanged. Thread-safe when the wrapped store is. {@link #close} closes the wrapped store.
 */
public final class TimedRoleKeyStore implements RoleKeyStore {
  public static final String OPERATIONS = "idp.hsm.operation";

  private final RoleKeyStore store;
  private final MeterRegistry registry;

  public TimedRoleKeyStore(RoleKeyStore store, MeterRegistry registry) {
    this.store = store;
    this.registry = registry;
  }

  private <T> T timed(String operation, Supplier<T> call) {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T t = call.get();
      outcome = "ok";
      return t;
    } finally {
      record(operation, outcome, start);
    }
  }

  private void record(String operation, String outcome, long start) {
    Timer.builder(OPERATIONS).description("HSM operations").tag("operation", operation).tag("outcome", outcome)
        .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
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
        long start = System.nanoTime();
        String outcome = "error";
        try {
          Base64URL s = inner.sign(header, signingInput);
          outcome = "ok";
          return s;
        } finally {
          record("sign", outcome, start);
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
