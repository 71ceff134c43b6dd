package com.doit.idp.server.token;

import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.metrics.Latency;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The token path's meters, named in Micrometer's dotted style; the Prometheus registry writes them as
 * {@code idp_tokens_issued_total{alg}}, {@code idp_tokens_refused_total{reason}},
 * {@code idp_token_exchange_seconds} and {@code idp_hsm_operation_seconds{operation="sign"}}, both histograms with
 * the server's buckets ({@link Latency}; no client-side quantiles). Tag values come from closed sets (algorithms, refusal
 * reasons), so the series stay few. Thread-safe.
 */
public final class TokenMetrics {
  public static final String TOKENS_ISSUED = "idp.tokens.issued";
  public static final String TOKENS_REFUSED = "idp.tokens.refused";
  public static final String TOKEN_EXCHANGE = "idp.token.exchange";
  /** Shared with other HSM operations: tag {@code operation} only, so every registration agrees. */
  public static final String HSM_OPERATION = "idp.hsm.operation";

  private final MeterRegistry registry;
  private final Timer exchange;
  private final Timer sign;
  private final Map<SigningAlgorithm, Counter> issued = new EnumMap<>(SigningAlgorithm.class);
  private final ConcurrentMap<String, Counter> refused = new ConcurrentHashMap<>();

  public TokenMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.exchange = Latency.timer(TOKEN_EXCHANGE).description("token exchange latency, every outcome")
        .register(registry);
    this.sign = Latency.timer(HSM_OPERATION).description("HSM operation latency").tag("operation", "sign")
        .register(registry);
    for (SigningAlgorithm alg : SigningAlgorithm.values()) {
      issued.put(alg, Counter.builder(TOKENS_ISSUED).description("tokens minted").tag("alg", alg.name())
          .register(registry));
    }
  }

  void issued(SigningAlgorithm alg) {
    issued.get(alg).increment();
  }

  void refused(String reason) {
    // registered once per reason, not looked up (a builder and a tag list) on every refusal
    refused.computeIfAbsent(reason, r -> Counter.builder(TOKENS_REFUSED).description("token requests refused, by reason")
        .tag("reason", r).register(registry)).increment();
  }

  Timer.Sample startExchange() {
    return Timer.start(registry);
  }

  void stopExchange(Timer.Sample sample) {
    sample.stop(exchange);
  }

  Timer signTimer() {
    return sign;
  }
}
