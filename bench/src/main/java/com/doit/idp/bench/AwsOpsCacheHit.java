package com.doit.idp.bench;

import com.doit.idp.awsops.CachedCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How long {@code bin/aws-ops credentials --account A} takes when the cache answers, from process start to exit:
 * the AWS CLI runs it before every command (docs/ENGINEERS.md "Speed"; the target is under 0.3 s). It primes a
 * credentials cache in a temporary home, runs the launcher a few times to warm the file cache, then {@code rounds}
 * times, checking each answer. Standalone for now ({@code main}); {@link #measure} is what bin/bench can call.
 */
public final class AwsOpsCacheHit {
  static final String ACCOUNT = "111122223333";
  private static final String JSON = "{\"Version\": 1, \"AccessKeyId\": \"ASIABENCH\", \"SecretAccessKey\": \"bench\", "
      + "\"SessionToken\": \"bench\", \"Expiration\": \"%s\"}";

  private AwsOpsCacheHit() {}

  /**
   * The rounds' wall times in milliseconds, those of {@code java -version} in the same rounds (the floor any Java
   * command line stands on, on this machine now), and the load average before and after.
   */
  public record Result(Stat millis, Stat javaVersionMillis, String loadBefore, String loadAfter) {
    String line() {
      return "aws-ops credentials, cache hit: median " + Md.ms(millis.median()) + " ms (min " + Md.ms(millis.min())
          + ", max " + Md.ms(millis.max()) + ") over " + millis.rounds() + " runs; java -version in the same rounds: "
          + "median " + Md.ms(javaVersionMillis.median()) + " ms (min " + Md.ms(javaVersionMillis.min()) + "); load "
          + "average " + loadBefore + " before, " + loadAfter + " after";
    }
  }

  /** Measures {@code launcher credentials --account ...} against a primed cache. */
  public static Result measure(Path launcher, int rounds) throws IOException {
    Path home = Files.createTempDirectory("aws-ops-bench");
    Path cache = home.resolve(".cache/aws-ops");
    Files.createDirectories(cache, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String json = String.format(JSON, expiration);
    Files.write(cache.resolve(CachedCredentials.fileName(ACCOUNT)), CachedCredentials.encode(expiration, json));
    Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString(),
        "XDG_CONFIG_HOME", home.resolve(".config").toString());
    List<String> cmd = List.of(launcher.toString(), "credentials", "--account", ACCOUNT);
    // The first run may build the jars (and print about it); the others warm the file cache.
    for (int i = 0; i < 3; i++) Proc.run(cmd, env, Duration.ofMinutes(10)).orFail("aws-ops credentials");
    List<String> javaVersion = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version");
    String before = loadAverage();
    List<Double> millis = new ArrayList<>();
    List<Double> floor = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      millis.add(check(Proc.run(cmd, env, Duration.ofMinutes(1)), json).seconds() * 1000);
      floor.add(Proc.run(javaVersion, Map.of(), Duration.ofMinutes(1)).orFail("java -version").seconds() * 1000);
    }
    return new Result(Stat.of(millis), Stat.of(floor), before, loadAverage());
  }

  private static Proc.Output check(Proc.Output out, String json) {
    out.orFail("aws-ops credentials");
    if (!out.text().strip().equals(json)) throw new IllegalStateException("aws-ops answered something else: " + out.text());
    return out;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {@code AwsOpsCacheHit [LAUNCHER [ROUNDS]]}: default bin/aws-ops, 30 rounds. */
  public static void main(String[] args) throws IOException {
    Path launcher = Path.of(args.length > 0 ? args[0] : "bin/aws-ops").toAbsolutePath();
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    System.out.println(measure(launcher, rounds).line());
  }
}
