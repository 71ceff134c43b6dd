package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the server's time goes: a JDK Flight Recorder profile of the running server (started and stopped with
 * {@code jcmd PID JFR.start/JFR.stop}, so the measured rounds run without it), read back with
 * {@link RecordingFile}. Samples of threads running Java code and of threads inside native code (the PKCS#11 module
 * signs there) are counted; threads waiting in epoll are idle, not work, and are left out.
 */
final class Jfr {
  private Jfr() {}

  /** A summary: samples by layer, the hottest frames, GC pauses, and CPU split from jdk.CPULoad. */
  record Profile(int samples, Map<String, Integer> byLayer, Map<String, Integer> topFrames, double gcPauseMs,
      double jvmCpu, double machineCpu) {}

  /** Records while {@code load} runs. Throws {@link IllegalStateException} if jcmd fails. */
  static Profile record(String jcmd, long pid, Path file, Runnable load) {
    String name = "bench-" + System.nanoTime();
    Proc.run(List.of(jcmd, Long.toString(pid), "JFR.start", "name=" + name, "settings=profile",
        "filename=" + file), Map.of(), Duration.ofSeconds(60)).orFail("jcmd JFR.start");
    try {
      load.run();
    } finally {
      Proc.run(List.of(jcmd, Long.toString(pid), "JFR.stop", "name=" + name), Map.of(), Duration.ofSeconds(60))
          .orFail("jcmd JFR.stop");
    }
    return summarize(file);
  }

  static Profile summarize(Path file) {
    Map<String, Integer> layers = new HashMap<>();
    Map<String, Integer> frames = new HashMap<>();
    int samples = 0;
    double gcMs = 0;
    double jvm = 0;
    double machine = 0;
    int cpuEvents = 0;
    try {
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        String type = e.getEventType().getName();
        switch (type) {
          case "jdk.ExecutionSample", "jdk.NativeMethodSample" -> {
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) continue;
            List<RecordedFrame> fs = st.getFrames();
            String top = name(fs.get(0));
            if (type.equals("jdk.NativeMethodSample") && idle(top)) continue;
            samples++;
            frames.merge(top, 1, Integer::sum);
            layers.merge(layer(fs), 1, Integer::sum);
          }
          case "jdk.GarbageCollection" -> gcMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
          case "jdk.CPULoad" -> {
            jvm += e.getFloat("jvmUser") + e.getFloat("jvmSystem");
            machine += e.getFloat("machineTotal");
            cpuEvents++;
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the recording " + file, e);
    }
    return new Profile(samples, sorted(layers, 10), sorted(frames, 12), gcMs,
        cpuEvents == 0 ? -1 : jvm / cpuEvents, cpuEvents == 0 ? -1 : machine / cpuEvents);
  }

  private static Map<String, Integer> sorted(Map<String, Integer> m, int limit) {
    Map<String, Integer> out = new LinkedHashMap<>();
    m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  /** Native frames of threads waiting for work. */
  static boolean idle(String top) {
    return top.contains("EPoll.wait") || top.contains("Net.poll") || top.contains("Net.accept")
        || top.contains("Object.wait") || top.contains("Unsafe.park") || top.contains("Thread.sleep");
  }

  /**
   * The layer a sample belongs to: the innermost frame that is not generic JDK plumbing (java.*, jdk.internal.*)
   * decides, so a HashMap lookup inside our code counts as our code.
   */
  static String layer(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String c = f.getMethod().getType().getName();
      if (c.startsWith("sun.security.pkcs11") || c.startsWith("org.xipki") || c.startsWith("iaik.")) {
        return "PKCS#11 (signing in the HSM, sessions)";
      }
      if (c.startsWith("com.nimbusds.jose.util.JSONObjectUtils") || c.startsWith("com.nimbusds.jose.shaded")) {
        return "JSON (nimbus)";
      }
      if (c.startsWith("com.nimbusds")) return "JOSE (nimbus: SSO token check, token minting)";
      if (c.startsWith("sun.security") || c.startsWith("java.security") || c.startsWith("javax.crypto")
          || c.startsWith("com.sun.crypto") || c.startsWith("sun.security.ec")) {
        return "JDK crypto (SSO signature check, digests, SecureRandom)";
      }
      if (c.startsWith("io.undertow") || c.startsWith("org.xnio") || c.startsWith("sun.nio")) {
        return "HTTP (Undertow, XNIO, sockets)";
      }
      if (c.startsWith("io.micrometer")) return "metrics (Micrometer)";
      if (c.startsWith("com.github.benmanes.caffeine")) return "cache (Caffeine)";
      if (c.startsWith("org.slf4j")) return "logging";
      if (c.startsWith("com.doit.idp")) return "aws-ops-idp code (" + simple(c) + ")";
    }
    return "JDK only (java.*, GC, JIT, other)";
  }

  private static String simple(String c) {
    String[] parts = c.split("\\.");
    return parts.length >= 4 ? parts[3] : c;
  }
}
