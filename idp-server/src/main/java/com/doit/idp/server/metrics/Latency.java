package com.doit.idp.server.metrics;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Every latency the server publishes is a Prometheus histogram with these fixed buckets ({@code _bucket{le}},
 * {@code _count}, {@code _sum}, and Micrometer's {@code _max}): bucket counts add up across replicas, so
 * {@code histogram_quantile(0.99, sum by (le) (rate(..._bucket[5m])))} is a fleet-wide p99 computed by Prometheus.
 * No client-side quantiles: they cannot be aggregated, and they cost a quantile sketch on every request. Recording
 * into fixed buckets is a search over 14 bounds and a counter increment.
 *
 * <p>Every registration of one metric name must use {@link #timer}: Prometheus requires one type per name.
 */
public final class Latency {
  /** 0.5 ms .. 10 s: a JWKS answer from memory at the low end, an HSM or network timeout at the high end. */
  static final Duration[] BUCKETS = {
      Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
      Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private Latency() {}

  /** A timer builder for {@code name} with the buckets above. */
  public static Timer.Builder timer(String name) {
    return Timer.builder(name).serviceLevelObjectives(BUCKETS);
  }
}
