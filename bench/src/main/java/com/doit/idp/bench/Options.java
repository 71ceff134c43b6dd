package com.doit.idp.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How much the benchmark does. {@link #fullRun()} is what {@code bin/bench} runs (about 10 minutes on a 2-vCPU
 * machine); {@link #smokeRun()} runs every part with tiny counts in well under a minute, so the harness cannot rot
 * (run by {@code bin/bench --smoke} and by the bench module's test). Immutable.
 *
 * @param out the report to write
 * @param work the folder for the token, configurations, logs and recordings (emptied part by part)
 * @param repo the repository root: where the product's jars are looked for and whose commit is reported
 * @param command the command line to print in the report
 * @param productJars launch the server and keys-admin from their modules' jars and target/lib (as operators do);
 *     otherwise from this JVM's class path (the test)
 * @param loadTool {@code wrk}, {@code java}, or {@code auto} (wrk when installed)
 * @param serverJavaOptions JVM options for the server (by default the heap cap bin/idp-server gives it)
 */
public record Options(
    boolean smoke,
    Path out,
    Path work,
    Path repo,
    String command,
    boolean productJars,
    String loadTool,
    int rounds,
    double signSeconds,
    int loadSeconds,
    int warmupSeconds,
    List<Integer> concurrencies,
    int documentConnections,
    int baseRoles,
    int scaleRoles,
    int startRounds,
    int rotationSeconds,
    int rotateAtSecond,
    boolean profile,
    List<String> serverJavaOptions) {

  /** The server's JVM options as bin/idp-server gives them (IDP_SERVER_JAVA_OPTS in bin/lib/common.sh). */
  static final List<String> PRODUCT_SERVER_OPTIONS = List.of("-Xms64m", "-Xmx128m");

  public static Options fullRun() {
    return new Options(false, Path.of("docs/PERFORMANCE.md"), Path.of("bench/target/bench-work"), Path.of("."),
        "bin/bench", true, "auto", 3, 2.0, 4, 2, List.of(1, 2, 8, 32), 64, 10, 3000, 3, 24, 4, true,
        PRODUCT_SERVER_OPTIONS);
  }

  public static Options smokeRun() {
    return new Options(true, Path.of("bench/target/bench-smoke/PERFORMANCE.md"), Path.of("bench/target/bench-smoke"),
        Path.of("."), "bin/bench --smoke", true, "auto", 1, 0.3, 1, 1, List.of(1, 8), 16, 10, 16, 1, 5, 1, true,
        PRODUCT_SERVER_OPTIONS);
  }

  /** Parses {@code bin/bench}'s arguments: {@code --smoke} first picks the base, the rest override it. */
  public static Options parse(String[] args) {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    Options o = a.remove("--smoke") ? smokeRun() : fullRun();
    for (int i = 0; i < a.size(); i++) {
      String k = a.get(i);
      String v = i + 1 < a.size() ? a.get(i + 1) : null;
      if (v == null) throw new IllegalArgumentException(k + ": a value is missing");
      i++;
      o = switch (k) {
        case "--out" -> o.with(b -> b.out = Path.of(v));
        case "--work" -> o.with(b -> b.work = Path.of(v));
        case "--repo" -> o.with(b -> b.repo = Path.of(v));
        case "--command" -> o.with(b -> b.command = v);
        case "--class-path-launch" -> o.with(b -> b.productJars = !Boolean.parseBoolean(v));
        case "--load-tool" -> o.with(b -> b.loadTool = v);
        case "--rounds" -> o.with(b -> b.rounds = Integer.parseInt(v));
        case "--seconds" -> o.with(b -> b.loadSeconds = Integer.parseInt(v));
        case "--roles" -> o.with(b -> b.scaleRoles = Integer.parseInt(v));
        case "--profile" -> o.with(b -> b.profile = Boolean.parseBoolean(v));
        case "--server-java-options" -> o.with(b -> b.serverJavaOptions = v.isBlank() ? List.of()
            : List.of(v.trim().split("\\s+")));
        default -> throw new IllegalArgumentException(k + ": unknown option");
      };
    }
    if (o.rounds < 1 || o.loadSeconds < 1 || o.scaleRoles < o.baseRoles) {
      throw new IllegalArgumentException("--rounds and --seconds must be at least 1, --roles at least " + o.baseRoles);
    }
    return o;
  }

  /** A copy with some fields changed. */
  Options with(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  Optional<Path> productJar(String module) {
    Path jar = repo.resolve(module).resolve("target").resolve(module + "-0.1.0-SNAPSHOT.jar");
    return java.nio.file.Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
  }

  /** Mutable twin of the record, for {@link #with}. */
  static final class Builder {
    boolean smoke;
    Path out;
    Path work;
    Path repo;
    String command;
    boolean productJars;
    String loadTool;
    int rounds;
    double signSeconds;
    int loadSeconds;
    int warmupSeconds;
    List<Integer> concurrencies;
    int documentConnections;
    int baseRoles;
    int scaleRoles;
    int startRounds;
    int rotationSeconds;
    int rotateAtSecond;
    boolean profile;
    List<String> serverJavaOptions;

    Builder(Options o) {
      smoke = o.smoke;
      out = o.out;
      work = o.work;
      repo = o.repo;
      command = o.command;
      productJars = o.productJars;
      loadTool = o.loadTool;
      rounds = o.rounds;
      signSeconds = o.signSeconds;
      loadSeconds = o.loadSeconds;
      warmupSeconds = o.warmupSeconds;
      concurrencies = o.concurrencies;
      documentConnections = o.documentConnections;
      baseRoles = o.baseRoles;
      scaleRoles = o.scaleRoles;
      startRounds = o.startRounds;
      rotationSeconds = o.rotationSeconds;
      rotateAtSecond = o.rotateAtSecond;
      profile = o.profile;
      serverJavaOptions = o.serverJavaOptions;
    }

    Options build() {
      return new Options(smoke, out, work, repo, command, productJars, loadTool, rounds, signSeconds, loadSeconds,
          warmupSeconds, concurrencies, documentConnections, baseRoles, scaleRoles, startRounds, rotationSeconds,
          rotateAtSecond, profile, serverJavaOptions);
    }
  }
}
