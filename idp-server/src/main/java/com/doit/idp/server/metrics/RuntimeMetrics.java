package com.doit.idp.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's own health on {@code /metrics}, beside the server's series: JVM memory by pool
 * ({@code jvm_memory_used_bytes{area,id}}), garbage collection ({@code jvm_gc_pause_seconds}), threads
 * ({@code jvm_threads_live_threads}, {@code jvm_threads_states_threads{state}}), classes, CPU
 * ({@code process_cpu_usage}), open and maximum file descriptors ({@code process_files_open_files},
 * {@code process_files_max_files}), uptime ({@code process_uptime_seconds}) and, on Linux, the resident set size
 * ({@code process_resident_memory_bytes}, the name Prometheus's own clients use). Everything is read when Prometheus
 * scrapes, nothing on the request path.
 *
 * <p>{@link #close} removes the garbage-collection listeners; the server closes it when it stops.
 */
public final class RuntimeMetrics implements AutoCloseable {
  private static final Path STATUS = Path.of("/proc/self/status");

  private final JvmGcMetrics gc;

  private RuntimeMetrics(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /** Registers the JVM and process meters on {@code registry}. */
  public static RuntimeMetrics bind(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    if (Files.isReadable(STATUS)) {
      Gauge.builder("process.resident.memory", RuntimeMetrics::residentBytes).baseUnit("bytes")
          .description("resident set size of the process").register(registry);
    }
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return new RuntimeMetrics(gc);
  }

  /** {@code VmRSS} of /proc/self/status (in kB there), in bytes; NaN when it cannot be read. */
  static double residentBytes() {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring("VmRSS:".length()).replace("kB", "").strip();
          return Long.parseLong(kb) * 1024.0;
        }
      }
      return Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  @Override
  public void close() {
    gc.close();
  }
}
