package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load through wrk (Debian's {@code wrk}): {@code wrk -t T -c C -d Ds --latency -s script.lua URL}. The Lua script
 * sets the method and form body for POSTs and prints one machine-readable line from wrk's {@code done} callback, so
 * nothing depends on wrk's human-readable output. Threads: one for one connection, else two (the machine has two
 * vCPUs, which wrk shares with the server it measures, as a real client would not).
 *
 * <p>Thread-safe: every run writes its own script file.
 */
final class Wrk implements LoadGenerator {
  private static final Pattern LINE = Pattern.compile(
      "BENCH requests=(\\d+) duration_us=(\\d+) p50_us=([\\d.]+) p99_us=([\\d.]+) max_us=([\\d.]+) "
          + "connect=(\\d+) read=(\\d+) write=(\\d+) status=(\\d+) timeout=(\\d+)");

  private final Path binary;
  private final Path scripts;
  private int scriptCount;

  Wrk(Path binary, Path scripts) {
    this.binary = binary;
    this.scripts = scripts;
  }

  @Override
  public String describe() {
    String v = Proc.firstLine(binary.toString(), "--version");
    return v.isEmpty() ? "wrk" : v.replace("Copyright (C) 2012 Will Glozer", "").strip();
  }

  /** The Lua script: method, body and headers for a POST, and the {@code done} line {@link #parse} reads. */
  static String script(Target target) {
    StringBuilder s = new StringBuilder();
    target.formBody().ifPresent(body -> {
      // Long brackets need no escaping: a form body is URL-encoded and holds no "]]".
      s.append("wrk.method = \"POST\"\n");
      s.append("wrk.body = [[").append(body).append("]]\n");
      s.append("wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n");
    });
    s.append("""
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\\n",
            summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
            e.connect, e.read, e.write, e.status, e.timeout))
        end
        """);
    return s.toString();
  }

  /** Reads the {@code done} line; throws {@link IllegalStateException} if wrk printed none. */
  static LoadResult parse(String output) {
    Matcher m = LINE.matcher(output);
    if (!m.find()) throw new IllegalStateException("wrk printed no result: " + Proc.tail(output, 600));
    long requests = Long.parseLong(m.group(1));
    double seconds = Long.parseLong(m.group(2)) / 1e6;
    long errors = 0;
    for (int g = 6; g <= 10; g++) errors += Long.parseLong(m.group(g));
    return new LoadResult(requests, seconds, Double.parseDouble(m.group(3)) / 1000,
        Double.parseDouble(m.group(4)) / 1000, Double.parseDouble(m.group(5)) / 1000, errors, -1);
  }

  @Override
  public LoadResult run(Target target, int connections, Duration duration) {
    Path script;
    synchronized (this) {
      script = scripts.resolve("wrk-" + (++scriptCount) + ".lua");
    }
    try {
      Files.createDirectories(scripts);
      Files.writeString(script, script(target));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the wrk script", e);
    }
    int threads = Math.min(2, connections);
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-t" + threads, "-c" + connections,
        "-d" + Math.max(1, duration.toSeconds()) + "s", "--timeout", "5s", "-s", script.toString(),
        target.url().toString()));
    Proc.Output out = Proc.run(cmd, Map.of(), duration.plusSeconds(30)).orFail("wrk");
    return parse(out.text());
  }
}
