package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The product's server ({@code com.doit.idp.server.Main --config FILE}) in its own JVM, started the way operators
 * start it, with its three listeners on loopback ports the benchmark chose. {@link #startSeconds} is the wall time
 * from spawning the JVM to the first {@code 200} from {@code /readyz}, polled every 10 ms.
 *
 * <p>Not thread-safe; {@link #close()} stops it (SIGTERM, then SIGKILL after 10 s).
 */
final class IdpServer implements AutoCloseable {
  static final String MAIN = "com.doit.idp.server.Main";

  /** The three listeners' ports. */
  record Ports(int publicPort, int tokenPort, int managementPort) {
    static Ports free() {
      return new Ports(Proc.freePort(), Proc.freePort(), Proc.freePort());
    }
  }

  final Ports ports;
  final double startSeconds;
  /** Wall-clock time the JVM was spawned, to place the log's timestamps on the start's timeline. */
  final java.time.Instant spawnedAt;
  final Path log;
  private final Process process;

  private IdpServer(Ports ports, double startSeconds, java.time.Instant spawnedAt, Path log, Process process) {
    this.ports = ports;
    this.spawnedAt = spawnedAt;
    this.startSeconds = startSeconds;
    this.log = log;
    this.process = process;
  }

  long pid() {
    return process.pid();
  }

  URI publicUrl(String path) {
    return URI.create("http://127.0.0.1:" + ports.publicPort + path);
  }

  URI tokenUrl(String path) {
    return URI.create("http://127.0.0.1:" + ports.tokenPort + path);
  }

  URI managementUrl(String path) {
    return URI.create("http://127.0.0.1:" + ports.managementPort + path);
  }

  /** Resident memory now, in MiB (VmRSS); -1 if unknown. */
  double rssMib() {
    return Proc.statusKb(pid(), "VmRSS") / 1024.0;
  }

  /** The most resident memory so far, in MiB (VmHWM); -1 if unknown. */
  double peakRssMib() {
    return Proc.statusKb(pid(), "VmHWM") / 1024.0;
  }

  /**
   * Starts {@code java JVM_OPTIONS MAIN --config FILE} with the token's environment and waits until ready.
   * Throws {@link IllegalStateException} with the log's tail if it exits or is not ready within {@code timeout}.
   */
  static IdpServer start(List<String> javaCommand, Path config, Ports ports, Map<String, String> env, Path log,
      Duration timeout) {
    List<String> cmd = new ArrayList<>(javaCommand);
    cmd.add(MAIN);
    cmd.add("--config");
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Proc.scrub(pb.environment());
    pb.environment().putAll(env);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.managementPort + "/readyz"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    long t0 = System.nanoTime();
    java.time.Instant spawned = java.time.Instant.now();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the server", e);
    }
    long deadline = t0 + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException("the server exited " + p.exitValue() + ": " + tail(log));
        }
        try {
          if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return new IdpServer(ports, (System.nanoTime() - t0) / 1e9, spawned, log, p);
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Proc.stop(p, Duration.ofSeconds(10));
      throw new IllegalStateException("interrupted", e);
    }
    Proc.stop(p, Duration.ofSeconds(10));
    throw new IllegalStateException("the server was not ready within " + timeout.toSeconds() + " s: " + tail(log));
  }

  /**
   * Seconds from the spawn to the first log line that contains each marker (the server's log lines start with an
   * ISO-8601 instant); markers not found are left out.
   */
  java.util.Map<String, Double> timeline(java.util.List<String> markers) {
    java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(log)) {
        int sp = line.indexOf(' ');
        if (sp < 20) continue;
        java.time.Instant at;
        try {
          at = java.time.Instant.parse(line.substring(0, sp));
        } catch (java.time.format.DateTimeParseException e) {
          continue;
        }
        if (out.isEmpty()) out.put("first log line", Duration.between(spawnedAt, at).toMillis() / 1000.0);
        for (String m : markers) {
          if (!out.containsKey(m) && line.contains(m)) out.put(m, Duration.between(spawnedAt, at).toMillis() / 1000.0);
        }
      }
    } catch (IOException e) {
      // no timeline then
    }
    return out;
  }

  static String tail(Path log) {
    try {
      return Proc.tail(Files.readString(log), 1500);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    Proc.stop(process, Duration.ofSeconds(10));
  }
}
