package com.doit.idp.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * An in-process closed-loop load generator: one thread per keep-alive connection ({@link HttpConnection}), each
 * sending its next request as soon as its previous answer came back. It spends more CPU per request than wrk, so its figures
 * are a little lower on a 2-vCPU machine; the report says which tool measured what. It keeps every request's
 * start time, latency, status and a tag taken from the body, which part 5 turns into a per-second series.
 *
 * <p>Thread-safe: each run uses its own threads and buffers.
 */
final class JavaLoad implements LoadGenerator {

  /** One request: when it started (ms from the run's start), how long it took, its status, and its body's tag. */
  record Sample(double startMs, double latencyMs, int status, String tag) {
    boolean ok() {
      return status >= 200 && status < 400;
    }
  }

  @Override
  public String describe() {
    return "in-process Java load generator (blocking sockets, one thread per connection), Java "
        + System.getProperty("java.version");
  }

  @Override
  public LoadResult run(Target target, int connections, Duration duration) {
    return summarize(samples(target, connections, duration, b -> ""), duration.toMillis() / 1000.0);
  }

  /** Every request of the run; {@code tagger} reads a tag from each successful body (part 5: the token's kid). */
  List<Sample> samples(Target target, int connections, Duration duration, Function<String, String> tagger) {
    long t0 = System.nanoTime();
    long end = t0 + duration.toNanos();
    List<List<Sample>> perThread = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(connections);
    for (int i = 0; i < connections; i++) {
      List<Sample> mine = new ArrayList<>();
      perThread.add(mine);
      Thread t = new Thread(() -> {
        try (HttpConnection c = new HttpConnection(target)) {
          while (System.nanoTime() < end) {
            long s = System.nanoTime();
            int status;
            String tag = "";
            try {
              HttpConnection.Response r = c.exchange();
              status = r.status();
              if (status == 200) tag = tagger.apply(r.body());
            } catch (java.io.IOException | RuntimeException e) {
              status = 0;
              c.close();
            }
            long f = System.nanoTime();
            mine.add(new Sample((s - t0) / 1e6, (f - s) / 1e6, status, tag));
          }
        } finally {
          done.countDown();
        }
      }, "bench-load-" + i);
      t.setDaemon(true);
      t.start();
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    List<Sample> all = new ArrayList<>();
    perThread.forEach(all::addAll);
    all.sort((x, y) -> Double.compare(x.startMs, y.startMs));
    return all;
  }

  /** Figures of a set of samples measured over {@code seconds}. */
  static LoadResult summarize(List<Sample> samples, double seconds) {
    if (samples.isEmpty()) return new LoadResult(0, seconds, 0, 0, 0, 0, -1);
    double[] lat = samples.stream().mapToDouble(Sample::latencyMs).toArray();
    Arrays.sort(lat);
    long errors = samples.stream().filter(s -> !s.ok()).count();
    return new LoadResult(samples.size(), seconds, percentile(lat, 50), percentile(lat, 99), lat[lat.length - 1],
        errors, -1);
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
