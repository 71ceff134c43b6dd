package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Small helpers for the external programs the benchmark runs. Stateless; every method may block. */
final class Proc {
  private Proc() {}

  /** What a finished command printed (stdout and stderr together) and its exit code. */
  record Output(int exitCode, String text, double seconds) {
    Output orFail(String what) {
      if (exitCode != 0) {
        throw new IllegalStateException(what + " exited " + exitCode + ": " + tail(text, 800));
      }
      return this;
    }
  }

  /** Runs a command to its end (killed after {@code timeout}); stdout and stderr are merged. */
  static Output run(List<String> cmd, Map<String, String> env, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    scrub(pb.environment());
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      byte[][] out = new byte[1][];
      Thread reader = new Thread(() -> {
        try {
          out[0] = p.getInputStream().readAllBytes();
        } catch (IOException e) {
          out[0] = new byte[0];
        }
      });
      reader.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        reader.join(5000);
        throw new IllegalStateException(cmd.get(0) + " did not finish within " + timeout.toSeconds() + " s");
      }
      reader.join();
      double s = (System.nanoTime() - t0) / 1e9;
      return new Output(p.exitValue(), new String(out[0], StandardCharsets.UTF_8), s);
    } catch (IOException e) {
      throw new UncheckedIOException(cmd.get(0) + " could not be started", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The child processes must see only the IDP_* variables the benchmark sets (the server refuses unknown ones). */
  static void scrub(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("IDP_"));
  }

  /** First line of a command's output, or empty if it cannot be run. */
  static String firstLine(String... cmd) {
    try {
      Output o = run(List.of(cmd), Map.of(), Duration.ofSeconds(20));
      return o.text.strip().lines().findFirst().orElse("").strip();
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** The absolute path of a program on the PATH. */
  static Optional<Path> which(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    List<String> dirs = new ArrayList<>(List.of(path.split(":")));
    dirs.add("/usr/sbin");
    dirs.add("/sbin");
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, program);
      if (Files.isExecutable(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** A TCP port free on 127.0.0.1 right now. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  /** The last {@code max} characters of a text. */
  static String tail(String text, int max) {
    String t = text.strip();
    return t.length() <= max ? t : "..." + t.substring(t.length() - max);
  }

  /** Clock ticks of CPU (user + system) a live process has used, from /proc; -1 if unknown. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Linux counts CPU time in USER_HZ ticks, 100 per second on every architecture the JDK runs on. */
  static final double TICKS_PER_SECOND = 100.0;

  /** A field of /proc/PID/status in kB ({@code VmRSS}, {@code VmHWM}); -1 if unknown. */
  static long statusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Ends a process: politely, then by force after {@code grace}. */
  static void stop(Process p, Duration grace) {
    if (p == null || !p.isAlive()) return;
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }
}
