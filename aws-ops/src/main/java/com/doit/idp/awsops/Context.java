package com.doit.idp.awsops;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What a command sees of the world: the environment, the clock, its output streams, how it opens a browser and
 * waits, and the launcher that {@code configure} writes into the AWS config. Tests build their own. Immutable.
 *
 * @param launcher the absolute path of {@code bin/aws-ops} (system property {@code aws-ops.launcher}, set by the
 *     launcher); empty when started otherwise
 */
public record Context(Map<String, String> env, Clock clock, PrintStream out, PrintStream err, Browser browser,
    Sleeper sleeper, Optional<Path> launcher) {

  /** Opens a URL for the engineer to sign in; false when it could not. */
  @FunctionalInterface
  public interface Browser {
    boolean open(URI url);
  }

  /** Waits between retries (tests wait on a clock of their own). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public static Context system() {
    String launcher = System.getProperty("aws-ops.launcher");
    return new Context(System.getenv(), Clock.systemUTC(), System.out, System.err, SystemBrowser::open,
        d -> Thread.sleep(d.toMillis()), Optional.ofNullable(launcher).filter(s -> !s.isEmpty()).map(Path::of));
  }

  Path cacheDir() {
    return Dirs.cache(env);
  }
}
