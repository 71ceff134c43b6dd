package com.doit.idp.server.lifecycle;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.server.Main;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server, {@link Main}{@code --config FILE}, in a JVM of its own with this JVM's class path: its own
 * configuration file (port-0 listeners, from {@link LifecycleServer#configText}), the PIN in {@code IDP_HSM_PIN},
 * {@code SOFTHSM2_CONF} inherited. The bound ports come from its {@code listening name=... address=...} lines.
 * Stop it with {@link #terminate} (SIGTERM, as in production); {@link #close} kills it if it still runs. Not
 * thread-safe to set up; the accessors are.
 */
final class ServerProcess implements AutoCloseable {
  static final Pattern LISTENING = Pattern.compile("listening name=(\\w+) address=(\\S+)");

  private final Process process;
  private final Thread reader;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, URI> urls = new HashMap<>();
  private final String name;

  private ServerProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.reader = new Thread(this::readOutput, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a server over {@code hsm} in {@code dir} and waits until its three listeners are bound and it is ready.
   *
   * @param extra configuration keys over {@link LifecycleServer#configText}'s
   * @param jvmOptions options for its JVM, e.g. {@code -Xmx128m} as {@code bin/idp-server} gives
   */
  static ServerProcess start(String name, Path dir, IdpConfig.Hsm hsm, SsoTestIssuer sso, String adminToken,
      Map<String, String> extra, List<String> jvmOptions) {
    Path config = dir.resolve("idp.conf");
    LifecycleServer.write(config, LifecycleServer.configText(dir, hsm, sso, dir.resolve("audit.log"), adminToken,
        extra));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of(
        "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "--config", config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("IDP_HSM_PIN", LifecycleServer.pin(hsm));
    ServerProcess p;
    try {
      p = new ServerProcess(name, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Poll.until(Duration.ofSeconds(90), name + "'s three listeners", () -> {
        if (!p.process.isAlive()) throw new AssertionError(name + " exited: " + String.join("\n", p.output()));
        synchronized (p.urls) {
          return p.urls.size();
        }
      }, n -> n == 3);
      // Ready: HSM read and SSO keys loaded, so no first request meets a cold start on a busy machine.
      HttpClient http = LifecycleServer.client();
      Poll.until(Duration.ofSeconds(60), name + " ready", () -> LifecycleServer.send(http,
          HttpRequest.newBuilder(p.url("management", "/readyz")).GET().build()).statusCode(), c -> c == 200);
    } catch (RuntimeException | Error e) {
      p.process.destroyForcibly();
      throw e;
    }
    return p;
  }

  private void readOutput() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        output.add(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          synchronized (urls) {
            urls.put(m.group(1), URI.create("http://" + m.group(2)));
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** {@code http://host:port<path>} on {@code listener}. */
  URI url(String listener, String path) {
    synchronized (urls) {
      return URI.create(urls.get(listener) + path);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Its output so far (standard output and error). */
  List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /**
   * SIGTERM, as in production. Through the process handle: {@link Process#destroy} would also close our end of its
   * output, and its last lines say how it stopped.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for it to exit; its exit code, or -1 if it still runs after {@code max}. */
  int awaitExit(Duration max) throws InterruptedException {
    if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) return -1;
    reader.join(5000); // its last lines
    return process.exitValue();
  }

  /** Prints its output (for the test report) with the name in front of each line. */
  void printOutput() {
    for (String line : output()) System.out.println("[" + name + "] " + line);
  }

  /** Kills it if it still runs. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The resident set of the process in KiB, from {@code /proc}, or -1 where there is none. */
  long residentKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
