package com.doit.idp.server;

import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.config.ConfigException;
import com.doit.idp.config.ConfigFile;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.server.dev.DevSsoIssuer;
import com.doit.idp.server.logging.LogbackLogging;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code idp-server [--config FILE] [--dev]}: loads the configuration (without {@code --config}: the file named by
 * {@code IDP_CONFIG}, else {@code /etc/aws-ops-idp/idp.conf} if it exists, see {@link ConfigFile}), opens the HSM,
 * starts the listeners and runs until SIGTERM (or SIGINT), then stops gracefully in a shutdown hook
 * ({@link IdpServer#stop}: not ready at once, serving for {@code http.shutdown-delay}, then draining; the JVM then
 * exits with its status for the signal: 143 or 130). Exit codes otherwise: 1 when the server cannot start (HSM,
 * port), 2 for a usage or
 * configuration error; each failure is one line on stderr that names the cause and never a secret.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  static final String USAGE = "usage: idp-server [--config FILE] [--dev]";

  private Main() {}

  static {
    // Undertow and XNIO log through jboss-logging: send them to slf4j too, so the server logs one format.
    if (System.getProperty("org.jboss.logging.provider") == null) {
      System.setProperty("org.jboss.logging.provider", "slf4j");
    }
  }

  /** Parsed command line. */
  record Options(Optional<Path> config, boolean dev) {}

  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.err);
    if (code != 0) System.exit(code);
  }

  /** Runs until stopped; returns the exit code. Tests call it with a bad configuration only. */
  static int run(String[] args, Map<String, String> env, PrintStream err) {
    return run(args, env, err, ConfigFile.DEFAULT);
  }

  /** As above, with the configuration file's default location given (tests). */
  static int run(String[] args, Map<String, String> env, PrintStream err, Path defaultConfigFile) {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("idp-server: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    IdpConfig config;
    ConfigFile.Located file;
    try {
      // --dev reads the file bin/idp-server --dev names, never a production file found by itself
      file = options.dev() ? new ConfigFile.Located(options.config(), "--config")
          : ConfigFile.locate(options.config(), env, defaultConfigFile);
      config = ConfigLoader.load(file.file(), env, options.dev());
    } catch (ConfigException e) {
      err.println("idp-server: configuration: " + e.getMessage());
      return 2;
    }
    // Before anything else logs: the format and levels of log.* (until here, LogbackDefaults' text at INFO).
    LogbackLogging.configure(config.log());
    log.info("configuration file={} found_by={}", file.file().map(Path::toString).orElse("-"), file.foundBy());
    Clock clock = Clock.systemUTC();
    DevSsoIssuer devSso = null;
    RoleKeyStore store = null;
    IdpServer server = null;
    try {
      if (config.dev() && config.sso().issuer().isEmpty()) {
        devSso = DevSsoIssuer.start(DevSsoIssuer.DEFAULT_PORT, clock);
        config = withSsoIssuer(config, devSso.issuer());
        log.info("dev-sso issuer={} (get a token: curl '{}/id-token?email=you@{}')", devSso.issuer(),
            devSso.issuer(), config.sso().allowedDomains().get(0));
      }
      store = openStore(config.hsm());
      // The admin API's provisioner (docs/PROVISIONING.md): our AWS credentials from the SDK's default chain. It
      // lives as long as the process: it holds no thread, and no connection between calls.
      server = IdpServer.builder(config).roleKeyStore(store).clock(clock)
          .provisioner(IamProvisioner.create(config)).start();
    } catch (ConfigException e) {
      err.println("idp-server: configuration: " + e.getMessage());
      closeQuietly(server, store, devSso);
      return 2;
    } catch (HsmException e) {
      err.println("idp-server: cannot open the HSM: " + e.getMessage());
      closeQuietly(server, store, devSso);
      return 1;
    } catch (RuntimeException e) {
      err.println("idp-server: cannot start: " + e);
      closeQuietly(server, store, devSso);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    IdpServer s = server;
    RoleKeyStore st = store;
    DevSsoIssuer d = devSso;
    Duration delay = config.http().shutdownDelay();
    // SIGTERM and SIGINT run shutdown hooks: /readyz 503 at once, serve on for http.shutdown-delay so that the load
    // balancer takes the replica out, drain the requests in flight, stop the listeners, then close the HSM sessions.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping");
      try {
        s.stop(delay);
      } catch (RuntimeException e) {
        log.warn("stop-failed: {}", e.toString());
      }
      closeQuietly(null, st, d);
      stopped.countDown();
    }, "idp-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static Options parse(String[] args) {
    Optional<Path> config = Optional.empty();
    boolean dev = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--dev")) {
        dev = true;
      } else if (a.equals("--config")) {
        if (i + 1 >= args.length) throw new IllegalArgumentException("--config needs a file");
        config = Optional.of(Path.of(args[++i]));
      } else if (a.startsWith("--config=")) {
        config = Optional.of(Path.of(a.substring("--config=".length())));
      } else {
        throw new IllegalArgumentException("unknown argument " + (a.length() > 40 ? a.substring(0, 40) + "..." : a));
      }
    }
    return new Options(config, dev);
  }

  /** The configuration with the development SSO issuer as {@code sso.issuer}. */
  static IdpConfig withSsoIssuer(IdpConfig c, URI issuer) {
    IdpConfig.Sso s = c.sso();
    IdpConfig.Sso sso = new IdpConfig.Sso(Optional.of(issuer), s.audiences(), s.allowedDomains(),
        s.requireEmailVerified(), s.maxAge(), s.engineerId(), s.requiredClaims());
    return new IdpConfig(c.dev(), c.issuer(), c.listen(), c.hsm(), sso, c.tokens(), c.roles(), c.http(), c.audit(),
        c.admin(), c.aws(), c.log(), c.hooks());
  }

  static RoleKeyStore openStore(IdpConfig.Hsm hsm) {
    return new Pkcs11RoleKeyStore(hsm);
  }

  private static void closeQuietly(IdpServer server, RoleKeyStore store, DevSsoIssuer devSso) {
    for (AutoCloseable c : new AutoCloseable[] {server, store, devSso}) {
      if (c == null) continue;
      try {
        c.close();
      } catch (Exception e) {
        log.warn("close-failed: {}", e.toString());
      }
    }
  }
}
