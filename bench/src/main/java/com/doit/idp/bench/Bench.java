package com.doit.idp.bench;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/bench}: measures the product against the limits of the machine, side by side in one run, and writes
 * docs/PERFORMANCE.md. Parts: 1 raw SunPKCS11 signatures (the limit), 2 token exchange, 3 public documents against
 * nginx, 4 the same with 3,000 roles and the server's start, memory and {@code keys-admin role list}, 5 token
 * exchange while a role is rotated. A part that fails is reported as failed and the run goes on where it can; the
 * exit code is then 1. Not thread-safe: one run per instance.
 */
public final class Bench {
  static final String RS_ACCOUNT = "100000000001";
  static final String ES_ACCOUNT = "100000000002";
  static final String ENGINEER = "bench";
  static final String TOKEN_LABEL = "bench";
  static final String KEYS_ADMIN_MAIN = "com.doit.idp.cli.KeysAdmin";
  static final List<String> ALGS = List.of("RS256", "ES256");

  /** What a run produced. */
  public record Outcome(Path report, String markdown, List<String> failures) {}

  /** One measured load: the median, min and max over rounds of each figure. */
  record Measured(String name, int connections, Stat rps, Stat p50, Stat p99, Stat max, long errors, Stat cpu,
      long requests) {}

  /** A load to measure: {@code pid} is the server process whose CPU is counted, or -1. */
  record Spec(String name, Target target, int connections, long pid) {}

  /** A target from the issue, and where this run stands. */
  record Goal(String what, String figure, String target, Optional<Boolean> met, String note) {}

  private final Options o;
  private final Path work;
  private final List<String> failures = new ArrayList<>();
  private final Map<String, StringBuilder> sections = new LinkedHashMap<>();
  private final List<Goal> goals = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private LoadGenerator load;
  private final JavaLoad javaLoad = new JavaLoad();
  private Optional<Path> nginxBinary = Optional.empty();
  private SoftHsmToken token;
  private SsoIssuer sso;
  private String adminToken;
  private final Instant started = Instant.now();
  /** Profiles by what was loaded: "RS256", "ES256", "JWKS". */
  private final Map<String, Jfr.Profile> profiles = new LinkedHashMap<>();
  private final String loadAtStart = loadAverage();
  /** The load average as each run of part 2 began: other work on the machine, for part 4's comparison. */
  private final List<String> loadBeforePart2 = new ArrayList<>();

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  public Bench(Options options) {
    this.o = options;
    this.work = options.work().toAbsolutePath();
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    Outcome out = new Bench(options).run();
    System.out.println("bench: wrote " + out.report());
    if (!out.failures().isEmpty()) {
      out.failures().forEach(f -> System.err.println("bench: FAILED " + f));
      System.exit(1);
    }
    System.exit(0);
  }

  private static void say(String line) {
    System.out.println("bench " + DateTimeFormatter.ISO_LOCAL_TIME.format(Instant.now().atOffset(ZoneOffset.UTC))
        .substring(0, 8) + " " + line);
    System.out.flush();
  }

  private StringBuilder section(String title) {
    return sections.computeIfAbsent(title, t -> new StringBuilder());
  }

  /** Runs one part; a failure is written into its section and the run goes on. */
  private <T> Optional<T> part(String title, String what, Supplier<T> body) {
    try {
      return Optional.ofNullable(body.get());
    } catch (RuntimeException e) {
      String msg = what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
      failures.add(msg);
      section(title).append("\n**FAILED** ").append(msg.replace("\n", " ")).append("\n");
      say("FAILED " + msg);
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------------------------------------------------- run

  public Outcome run() {
    try {
      Files.createDirectories(work);
      Path wrk = Proc.which("wrk").orElse(null);
      load = switch (o.loadTool()) {
        case "java" -> javaLoad;
        case "wrk" -> new Wrk(Proc.which("wrk").orElseThrow(() -> new IllegalStateException("wrk is not installed")),
            work.resolve("wrk"));
        default -> wrk != null ? new Wrk(wrk, work.resolve("wrk")) : javaLoad;
      };
      nginxBinary = Proc.which("nginx");
      section("Part 1: the limit, raw signatures through SunPKCS11");
      section("Part 2: token exchange, POST /token");
      section("Part 3: public documents against nginx");
      section("Part 4: scale, " + o.scaleRoles() + " roles against " + o.baseRoles());
      section("Part 5: rotation under load");
      section("Where the time goes");
      runParts();
    } catch (RuntimeException | IOException e) {
      failures.add("setup: " + e);
      say("FAILED setup: " + e);
    }
    String md = render();
    Path out = o.out().toAbsolutePath();
    try {
      Files.createDirectories(out.getParent());
      Files.writeString(out, md);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out, e);
    }
    return new Outcome(out, md, List.copyOf(failures));
  }

  private void runParts() throws IOException {
    say("token: creating a SoftHSM2 token under " + work.resolve("softhsm"));
    token = SoftHsmToken.create(work.resolve("softhsm"), TOKEN_LABEL);
    adminToken = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    Files.writeString(work.resolve("admin-token"), adminToken);
    // admin.token-file must be the owner's alone
    Files.setPosixFilePermissions(work.resolve("admin-token"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    try (SsoIssuer issuer = new SsoIssuer()) {
      sso = issuer;
      Map<String, Stat> limits = part("Part 1: the limit, raw signatures through SunPKCS11", "part 1", this::part1)
          .orElse(Map.of());
      long ssoSeconds = 4 * 3600;
      String idToken = sso.idToken(ENGINEER, ssoSeconds);
      Map<String, Target> exchange = new LinkedHashMap<>();

      boolean seeded = part("Part 2: token exchange, POST /token", "seeding " + o.baseRoles() + " roles",
          () -> seed(0, o.baseRoles())).isPresent();
      if (!seeded) return;

      String keysAdminTitle = "Part 4: scale, " + o.scaleRoles() + " roles against " + o.baseRoles();
      Optional<Stat> listSmall = part(keysAdminTitle, "keys-admin role list, " + o.baseRoles() + " roles",
          () -> keysAdminList(o.baseRoles()));

      IdpServer server = part("Part 2: token exchange, POST /token", "server start", () -> startServer("a"))
          .orElse(null);
      if (server == null) return;
      double startSmall = server.startSeconds;
      double rssSmall = server.rssMib();
      Map<String, Measured> small2 = Map.of();
      Map<String, Measured> small3 = Map.of();
      Nginx nginx = null;
      try {
        small2 = part("Part 2: token exchange, POST /token", "part 2", () -> {
          for (String alg : ALGS) exchange.put(alg, tokenTarget(server, alg, idToken));
          return part2(server, exchange);
        }).orElse(Map.of());
        nginx = part("Part 3: public documents against nginx", "nginx", () -> startNginx(server)).orElse(null);
        Nginx ng = nginx;
        small3 = part("Part 3: public documents against nginx", "part 3", () -> part3(server, ng)).orElse(Map.of());
        if (o.profile()) {
          part("Where the time goes", "JFR profile", () -> profile(server, exchange));
        }
      } finally {
        server.close();
      }
      writePart2(small2, limits);
      writePart3(small3);

      try {
        Optional<Double> seedRate = part(keysAdminTitle, "seeding " + o.scaleRoles() + " roles",
            () -> seed(o.baseRoles(), o.scaleRoles()));
        if (seedRate.isEmpty()) return;
        Optional<Stat> listLarge = part(keysAdminTitle, "keys-admin role list, " + o.scaleRoles() + " roles",
            () -> keysAdminList(o.scaleRoles()));
        List<Double> starts = new ArrayList<>();
        List<Double> readyRss = new ArrayList<>();
        Map<String, Double> timeline = Map.of();
        IdpServer big = null;
        for (int i = 1; i <= o.startRounds(); i++) {
          int n = i;
          IdpServer s = part(keysAdminTitle, "server start with " + o.scaleRoles() + " roles",
              () -> startServer("b" + n)).orElse(null);
          if (s == null) break;
          starts.add(s.startSeconds);
          readyRss.add(s.rssMib());
          timeline = s.timeline(List.of("hsm-up", "listening name=public", "listening name=management"));
          timeline.put("ready (/readyz 200)", s.startSeconds);
          if (i < o.startRounds()) {
            s.close();
          } else {
            big = s;
          }
        }
        if (big == null) return;
        IdpServer server2 = big;
        try {
          Map<String, Target> exchange2 = new LinkedHashMap<>();
          Map<String, Measured> big2 = part(keysAdminTitle, "part 2 again", () -> {
            for (String alg : ALGS) exchange2.put(alg, tokenTarget(server2, alg, idToken));
            return part2(server2, exchange2);
          }).orElse(Map.of());
          Nginx ng = nginx;
          Map<String, Measured> big3 = part(keysAdminTitle, "part 3 again", () -> part3(server2, ng))
              .orElse(Map.of());
          double rssAfterLoad = server2.rssMib();
          part("Part 5: rotation under load", "part 5", () -> {
            if (!exchange2.containsKey("RS256")) throw new IllegalStateException("the RS256 role answers no token");
            return part5(server2, exchange2.get("RS256"));
          });
          double rssEnd = server2.rssMib();
          double peak = server2.peakRssMib();
          writePart4(small2, big2, small3, big3, startSmall, starts, rssSmall, readyRss, rssAfterLoad, rssEnd, peak,
              listSmall, listLarge, seedRate.get(), timeline);
        } finally {
          server2.close();
        }
      } finally {
        if (nginx != null) nginx.close();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- processes

  private String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private List<String> javaWith(String classPath, List<String> options) {
    List<String> cmd = new ArrayList<>(List.of(java(),
        "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED"));
    cmd.addAll(options);
    cmd.add("-cp");
    cmd.add(classPath);
    return cmd;
  }

  private String harnessClassPath() {
    return System.getProperty("java.class.path");
  }

  /** The product's launch: {@code <module>/target/<module>.jar:<module>/target/lib/*}, or this JVM's class path. */
  private String productClassPath(String module) {
    if (!o.productJars()) return harnessClassPath();
    Path jar = o.productJar(module).orElseThrow(() -> new IllegalStateException(
        module + "/target/" + module + "-0.1.0-SNAPSHOT.jar is missing: build it first (bin/bench does)"));
    return jar.toAbsolutePath() + File.pathSeparator + jar.toAbsolutePath().getParent().resolve("lib") + "/*";
  }

  private String productLaunch(String module, String main) {
    if (!o.productJars()) return "java <exports> -cp <class path of the bench module> " + main;
    return "java --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED "
        + (o.serverJavaOptions().isEmpty() ? "" : String.join(" ", o.serverJavaOptions()) + " ")
        + "-cp '" + module + "/target/" + module + "-0.1.0-SNAPSHOT.jar:" + module + "/target/lib/*' " + main;
  }

  private Path config(IdpServer.Ports ports) {
    String conf = """
        # Written by bin/bench for one run; the PIN comes from IDP_HSM_PIN.
        issuer.base-url = https://oidc.bench.example.com
        listen.public = 127.0.0.1:%d
        listen.token = 127.0.0.1:%d
        listen.management = 127.0.0.1:%d
        hsm.library = %s
        hsm.token-label = %s
        sso.issuer = %s
        sso.audiences = %s
        sso.allowed-domains = %s
        # The load reuses one SSO ID token for the whole run.
        sso.max-age = 24h
        roles.max-active = %d
        # Part 5: the rotated key signs after one max-age, within the measured window.
        http.jwks-max-age = 5s
        # The benchmark measures the server, not the per-engineer rate limit.
        http.rate-limit = 1000000/s
        audit.file = %s
        admin.token-file = %s
        """.formatted(ports.publicPort(), ports.tokenPort(), ports.managementPort(), SoftHsmToken.LIBRARY,
        TOKEN_LABEL, sso.issuer(), SsoIssuer.AUDIENCE, SsoIssuer.DOMAIN, Math.max(3000, o.scaleRoles()),
        work.resolve("audit.log"), work.resolve("admin-token"));
    Path file = work.resolve("idp.conf");
    try {
      Files.writeString(file, conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  private IdpServer startServer(String name) {
    IdpServer.Ports ports = IdpServer.Ports.free();
    Path conf = config(ports);
    say("server: starting (" + name + ")");
    IdpServer s = IdpServer.start(javaWith(productClassPath("idp-server"), o.serverJavaOptions()), conf, ports,
        token.env(), work.resolve("server-" + name + ".log"), Duration.ofSeconds(120));
    say(String.format(Locale.ROOT, "server: ready in %.2f s, RSS %.0f MiB", s.startSeconds, s.rssMib()));
    return s;
  }

  /** Creates roles [from, to) through the product, in a JVM of its own; returns roles per second. */
  private Double seed(int from, int to) {
    say("roles: creating roles " + from + ".." + (to - 1));
    IdpServer.Ports ports = IdpServer.Ports.free();
    Path conf = config(ports);
    List<String> cmd = javaWith(harnessClassPath(), List.of());
    cmd.addAll(List.of(RoleSeeder.class.getName(), conf.toString(), Integer.toString(from), Integer.toString(to)));
    Proc.Output out = Proc.run(cmd, token.env(), Duration.ofMinutes(10)).orFail("RoleSeeder");
    Matcher m = Pattern.compile("SEEDED roles=(\\d+) seconds=([\\d.]+)").matcher(out.text());
    if (!m.find()) throw new IllegalStateException("RoleSeeder printed no result: " + Proc.tail(out.text(), 600));
    double rate = Integer.parseInt(m.group(1)) / Double.parseDouble(m.group(2));
    say(String.format(Locale.ROOT, "roles: %s created, %.1f/s", m.group(1), rate));
    return rate;
  }

  /** Wall time of {@code keys-admin role list}, JVM start included (what an operator waits for). */
  private Stat keysAdminList(int expected) {
    List<Double> seconds = new ArrayList<>();
    Path conf = config(IdpServer.Ports.free());
    for (int r = 0; r < o.rounds(); r++) {
      List<String> cmd = javaWith(productClassPath("keys-admin"), List.of());
      cmd.addAll(List.of(KEYS_ADMIN_MAIN, "--config", conf.toString(), "--json", "role", "list"));
      Proc.Output out = Proc.run(cmd, token.env(), Duration.ofMinutes(5)).orFail("keys-admin role list");
      int listed = countOccurrences(out.text(), "\"role_arn\"");
      if (listed != expected) {
        throw new IllegalStateException("keys-admin role list listed " + listed + " roles, expected " + expected);
      }
      seconds.add(out.seconds());
    }
    Stat s = Stat.of(seconds);
    say(String.format(Locale.ROOT, "keys-admin role list, %d roles: %.2f s", expected, s.median()));
    return s;
  }

  private static int countOccurrences(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
    return n;
  }

  private static String form(Map<String, String> params) {
    StringBuilder s = new StringBuilder();
    params.forEach((k, v) -> s.append(s.length() == 0 ? "" : "&").append(k).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return s.toString();
  }

  static String account(String alg) {
    return alg.equals("RS256") ? RS_ACCOUNT : ES_ACCOUNT;
  }

  /** The token exchange of the load, checked once: it must answer 200 before it is measured. */
  private Target tokenTarget(IdpServer server, String alg, String idToken) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
    p.put("subject_token", idToken);
    p.put("subject_token_type", "urn:ietf:params:oauth:token-type:id_token");
    p.put("resource", "arn:aws:iam::" + account(alg) + ":role/DoiT-Support-" + ENGINEER);
    p.put("audience", "sts.amazonaws.com");
    Target t = Target.postForm(server.tokenUrl("/token"), form(p));
    HttpResponse<String> r = send(HttpRequest.newBuilder(t.url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(t.formBody().get())).build());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("POST /token for the " + alg + " role answered " + r.statusCode() + " "
          + Proc.tail(r.body(), 300));
    }
    String alg2 = headerOf(r.body()).map(h -> h.getAlgorithm().getName()).orElse("?");
    if (!alg2.equals(alg)) throw new IllegalStateException("the " + alg + " role's token is signed " + alg2);
    return t;
  }

  private static Optional<com.nimbusds.jose.JWSHeader> headerOf(String body) {
    try {
      String token = JSONObjectUtils.getString(JSONObjectUtils.parse(body), "access_token");
      return Optional.of(SignedJWT.parse(token).getHeader());
    } catch (java.text.ParseException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(r.method() + " " + r.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private byte[] fetch(URI url) {
    try {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // ------------------------------------------------------------------------------------------------- measuring

  /** Runs each spec {@code rounds} times; interleaved, each round runs every spec once (for side-by-side pairs). */
  private Map<String, Measured> measure(List<Spec> specs, boolean interleave) {
    Map<String, List<LoadResult>> results = new LinkedHashMap<>();
    specs.forEach(s -> results.put(s.name(), new ArrayList<>()));
    if (interleave) {
      for (int r = 0; r < o.rounds(); r++) for (Spec s : specs) results.get(s.name()).add(once(s));
    } else {
      for (Spec s : specs) for (int r = 0; r < o.rounds(); r++) results.get(s.name()).add(once(s));
    }
    Map<String, Measured> out = new LinkedHashMap<>();
    for (Spec s : specs) {
      List<LoadResult> rs = results.get(s.name());
      Measured m = new Measured(s.name(), s.connections(),
          Stat.of(rs.stream().map(LoadResult::perSecond).toList()),
          Stat.of(rs.stream().map(LoadResult::p50Ms).toList()),
          Stat.of(rs.stream().map(LoadResult::p99Ms).toList()),
          Stat.of(rs.stream().map(LoadResult::maxMs).toList()),
          rs.stream().mapToLong(LoadResult::errors).sum(),
          Stat.of(rs.stream().map(LoadResult::serverCpuCores).toList()),
          rs.stream().mapToLong(LoadResult::requests).sum());
      say(String.format(Locale.ROOT, "%-24s %9s req/s  p50 %s ms  p99 %s ms  errors %d", s.name(),
          Md.rate(m.rps().median()), Md.ms(m.p50().median()), Md.ms(m.p99().median()), m.errors()));
      out.put(s.name(), m);
    }
    return out;
  }

  private LoadResult once(Spec s) {
    long before = s.pid() > 0 ? Proc.cpuTicks(s.pid()) : -1;
    long t0 = System.nanoTime();
    LoadResult r = load.run(s.target(), s.connections(), Duration.ofSeconds(o.loadSeconds()));
    double wall = (System.nanoTime() - t0) / 1e9;
    long after = s.pid() > 0 ? Proc.cpuTicks(s.pid()) : -1;
    double cores = before >= 0 && after >= 0 ? (after - before) / Proc.TICKS_PER_SECOND / wall : -1;
    return r.withServerCpu(cores);
  }

  private void warm(Target t, int connections) {
    load.run(t, connections, Duration.ofSeconds(o.warmupSeconds()));
  }

  // ------------------------------------------------------------------------------------------------- part 1

  private Map<String, Stat> part1() {
    say("part 1: raw signatures through SunPKCS11");
    Path cfg = token.sunPkcs11Config(work.resolve("sunpkcs11.cfg"));
    List<String> cmd = javaWith(harnessClassPath(), List.of());
    cmd.addAll(List.of(RawSign.class.getName(), cfg.toString(), Double.toString(o.signSeconds()),
        Integer.toString(o.rounds()), "1", "2"));
    Map<String, List<Double>> rates = signRates(Proc.run(cmd, token.env(), Duration.ofMinutes(5)).orFail("RawSign"));
    say("part 1: the product's signer (Pkcs11RoleKeyStore.signer)");
    List<String> cmd2 = javaWith(harnessClassPath(), List.of());
    cmd2.addAll(List.of(StoreSign.class.getName(), config(IdpServer.Ports.free()).toString(),
        Double.toString(o.signSeconds()), Integer.toString(o.rounds()), "1", "2"));
    Map<String, List<Double>> product = signRates(Proc.run(cmd2, token.env(), Duration.ofMinutes(5))
        .orFail("StoreSign"));
    Map<String, Stat> stats = new LinkedHashMap<>();
    Map<String, String> issue = Map.of("RS256/1", "770-920", "RS256/2", "about 1,470", "ES256/1", "about 11,800",
        "ES256/2", "12,500-17,000");
    List<List<String>> rows = new ArrayList<>();
    for (String alg : ALGS) {
      for (String th : List.of("1", "2")) {
        Stat s = Stat.of(rates.get(alg + "/" + th));
        Stat cpu = Stat.of(rates.get(alg + "/" + th + " cpu"));
        stats.put(alg + "/" + th, s);
        stats.put(alg + "/" + th + " cpu", cpu);
        rows.add(List.of(alg + (alg.equals("RS256") ? " (RSA-2048)" : " (P-256)"), th, Md.rate(s.median()),
            Md.rate(s.min()), Md.rate(s.max()), Md.ms(cpu.median()), issue.get(alg + "/" + th)));
        say(String.format(Locale.ROOT, "part 1: %s %s thread(s): %s signatures/s", alg, th, Md.rate(s.median())));
      }
    }
    List<List<String>> productRows = new ArrayList<>();
    for (String alg : ALGS) {
      for (String th : List.of("1", "2")) {
        Stat s = Stat.of(product.get(alg + "/" + th));
        Stat cpu = Stat.of(product.get(alg + "/" + th + " cpu"));
        stats.put("product " + alg + "/" + th, s);
        productRows.add(List.of(alg, th, Md.rate(s.median()), Md.rate(s.min()), Md.rate(s.max()), Md.ms(cpu.median()),
            Md.pct(s.ratioTo(stats.get(alg + "/" + th)))));
      }
    }
    section("Part 1: the limit, raw signatures through SunPKCS11").append("""

        `Signature.getInstance("SHA256withRSA" / "SHA256withECDSA", SunPKCS11)` on token keys (CKA_TOKEN, \
        CKA_PRIVATE, CKA_SENSITIVE true, CKA_EXTRACTABLE false) generated on the benchmark's own SoftHSM2 token, the \
        token the server uses in parts 2 to 5. A %s-byte message (a JWS signing input's size) per signature; \
        %s s per round, %d rounds, in a JVM of its own with nothing else of the benchmark running. This is the \
        ceiling for token exchange: every token costs one signature. "CPU ms per signature" is the signing JVM's CPU \
        time (the PKCS#11 module computes in it) over the signatures made: unlike a rate, it does not change when \
        other work on the machine takes CPU away.

        """.formatted(RawSign.INPUT.length, Md.num(o.signSeconds(), 1), o.rounds()))
        .append(Md.table(List.of("key", "threads", "signatures/s (median)", "min", "max", "CPU ms per signature",
            "issue's figure on a like machine"), rows))
        .append("""

            The same, through the product's own signing path: `RoleKeyStore.signer(key).sign(header, input)` on \
            `Pkcs11RoleKeyStore` (raw PKCS#11 `C_Sign` on its session pool, `CKM_SHA256_RSA_PKCS`, or SHA-256 in Java \
            then `CKM_ECDSA`), keys generated by the product on the same token and deleted afterwards. "vs SunPKCS11" \
            is against the table above.

            """)
        .append(Md.table(List.of("algorithm", "threads", "signatures/s (median)", "min", "max",
            "CPU ms per signature", "vs SunPKCS11"), productRows));
    return stats;
  }

  /** Signatures per second by "ALG/THREADS" from RawSign's or StoreSign's RESULT lines; all four must be there. */
  private static Map<String, List<Double>> signRates(Proc.Output out) {
    Matcher m = Pattern.compile(
        "RESULT alg=(\\w+) threads=(\\d+) round=\\d+ ops=(\\d+) seconds=([\\d.]+) cpu_ms=([\\d.]+)")
        .matcher(out.text());
    Map<String, List<Double>> rates = new TreeMap<>();
    while (m.find()) {
      long ops = Long.parseLong(m.group(3));
      rates.computeIfAbsent(m.group(1) + "/" + m.group(2), k -> new ArrayList<>())
          .add(ops / Double.parseDouble(m.group(4)));
      // CPU milliseconds per signature, under "ALG/THREADS cpu".
      rates.computeIfAbsent(m.group(1) + "/" + m.group(2) + " cpu", k -> new ArrayList<>())
          .add(ops == 0 ? 0 : Double.parseDouble(m.group(5)) / ops);
    }
    if (rates.size() != 8) {
      throw new IllegalStateException("the signer printed " + rates.keySet() + ": " + Proc.tail(out.text(), 600));
    }
    return rates;
  }

  // ------------------------------------------------------------------------------------------------- part 2

  private Map<String, Measured> part2(IdpServer server, Map<String, Target> exchange) {
    say("part 2: token exchange");
    loadBeforePart2.add(loadAverage());
    List<Spec> specs = new ArrayList<>();
    for (String alg : ALGS) {
      warm(exchange.get(alg), 8);
      for (int c : o.concurrencies()) specs.add(new Spec(alg + " c" + c, exchange.get(alg), c, server.pid()));
    }
    return measure(specs, false);
  }

  private void writePart2(Map<String, Measured> m, Map<String, Stat> limits) {
    if (m.isEmpty()) return;
    List<List<String>> rows = new ArrayList<>();
    for (Measured x : m.values()) {
      String alg = x.name().substring(0, 5);
      Stat limit = limits.get(alg + "/2");
      Stat sigCpu = limits.get(alg + "/2 cpu");
      double perToken = cpuPerRequestMs(x);
      rows.add(List.of(x.name().replace(" c", ", concurrency "), Md.rates(x.rps()), Md.mss(x.p50()), Md.mss(x.p99()),
          Md.ms(x.max().max()), Long.toString(x.errors()), cpu(x), perToken < 0 ? "-" : Md.ms(perToken),
          perToken <= 0 || sigCpu == null ? "-" : Md.pct(sigCpu.median() / perToken),
          limit == null ? "-" : Md.pct(x.rps().ratioTo(limit))));
    }
    section("Part 2: token exchange, POST /token").append("""

        RFC 8693 exchanges of one SSO ID token (mock-oauth2-server on a loopback port, RS256) for a role's token, \
        closed loop, %d rounds of %d s after a %d s warm-up per role, load by %s. Roles: `%s/%s` (RS256) and \
        `%s/%s` (ES256), %d roles on the token. The per-engineer rate limit is lifted (`http.rate-limit = \
        1000000/s`). "vs limit" is the median against part 1's median on 2 threads for the same key type. \
        "server CPU" is the server's CPU time over wall time (2.0 = both vCPUs); the load generator runs on the \
        same two vCPUs. "CPU ms per token" is the server's CPU time over the tokens it issued, and "signature's \
        share of it" is part 1's CPU per bare signature (2 threads) over that: the share of a token's cost that is \
        the signature itself, a ceiling for "vs limit" that other work on the machine does not move.

        """.formatted(o.rounds(), o.loadSeconds(), o.warmupSeconds(), load.describe(), RS_ACCOUNT, ENGINEER,
        ES_ACCOUNT, ENGINEER, o.baseRoles()))
        .append(Md.table(List.of("role, connections", "tokens/s median (min-max)", "p50 ms", "p99 ms", "max ms",
            "errors", "server CPU", "CPU ms per token", "signature's share of it", "vs limit (2 threads)"), rows));
    Map<String, Double> targets = Map.of("RS256", 0.9, "ES256", 0.6);
    for (String alg : ALGS) {
      Measured c8 = m.get(alg + " c8");
      Stat limit = limits.get(alg + "/2");
      if (c8 == null || limit == null) {
        goals.add(new Goal(alg + " token exchange at concurrency 8 against raw 2-thread signing", "not measured",
            ">= " + Md.pct(targets.get(alg)), Optional.empty(), ""));
        continue;
      }
      double ratio = c8.rps().ratioTo(limit);
      boolean met = ratio >= targets.get(alg);
      goals.add(new Goal(alg + " token exchange at concurrency 8 against raw 2-thread signing",
          Md.rate(c8.rps().median()) + " vs " + Md.rate(limit.median()) + "/s = " + Md.pct(ratio),
          ">= " + Md.pct(targets.get(alg)), Optional.of(met), (met ? "" : "short by "
          + Md.num((targets.get(alg) - ratio) * 100, 0) + " points") + "; server CPU " + cpu(c8) + " cores"
          + cpuShare(c8, limits.get(alg + "/2 cpu")) + profileNote(alg)));
    }
  }

  /** "; CPU per token 1.2 ms, a bare signature 0.9 ms (75 %)", or "". */
  private static String cpuShare(Measured x, Stat sigCpu) {
    double perToken = cpuPerRequestMs(x);
    if (perToken <= 0 || sigCpu == null) return "";
    return "; CPU per token " + Md.ms(perToken) + " ms, per bare signature " + Md.ms(sigCpu.median()) + " ms ("
        + Md.pct(sigCpu.median() / perToken) + ")";
  }

  /** "profile: 48 % PKCS#11 ..., 21 % HTTP ..." from the profile of that load, or "". */
  private String profileNote(String key) {
    Jfr.Profile p = profiles.get(key);
    if (p == null || p.samples() == 0) return "";
    StringBuilder s = new StringBuilder("; profile: ");
    int n = 0;
    for (Map.Entry<String, Integer> e : p.byLayer().entrySet()) {
      if (n++ == 3) break;
      s.append(n > 1 ? ", " : "").append(Md.pct(e.getValue() / (double) p.samples())).append(' ').append(e.getKey());
    }
    return s.toString();
  }

  /** The server's CPU milliseconds per request (median cores over median rate); -1 if unknown. */
  private static double cpuPerRequestMs(Measured x) {
    if (x.cpu().median() < 0 || x.rps().median() <= 0) return -1;
    return x.cpu().median() * 1000 / x.rps().median();
  }

  private static String cpu(Measured x) {
    return x.cpu().median() < 0 ? "-" : Md.num(x.cpu().median(), 2);
  }

  // ------------------------------------------------------------------------------------------------- part 3

  static String jwksPath() {
    return "/" + RS_ACCOUNT + "/" + ENGINEER + "/jwks.json";
  }

  static String discoveryPath() {
    return "/" + RS_ACCOUNT + "/" + ENGINEER + "/.well-known/openid-configuration";
  }

  private Nginx startNginx(IdpServer server) {
    if (nginxBinary.isEmpty()) {
      // The smoke run must pass where nginx is absent (CI); the full run installs it, so there it is a failure.
      if (!o.smoke()) throw new IllegalStateException("nginx is not installed (bin/bench installs it)");
      section("Part 3: public documents against nginx").append("\nnginx is not installed: no baseline.\n");
      return null;
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(jwksPath(), fetch(server.publicUrl(jwksPath())));
    files.put(discoveryPath(), fetch(server.publicUrl(discoveryPath())));
    Nginx n = Nginx.start(nginxBinary.get(), work.resolve("nginx"), files);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (!Arrays.equals(fetch(n.url(f.getKey())), f.getValue())) {
        n.close();
        throw new IllegalStateException("nginx does not serve the same bytes for " + f.getKey());
      }
    }
    return n;
  }

  private Map<String, Measured> part3(IdpServer server, Nginx nginx) {
    say("part 3: public documents");
    int c = o.documentConnections();
    List<Spec> specs = new ArrayList<>();
    specs.add(new Spec("jwks server", Target.get(server.publicUrl(jwksPath())), c, server.pid()));
    if (nginx != null) specs.add(new Spec("jwks nginx", Target.get(nginx.url(jwksPath())), c, -1));
    specs.add(new Spec("discovery server", Target.get(server.publicUrl(discoveryPath())), c, server.pid()));
    if (nginx != null) specs.add(new Spec("discovery nginx", Target.get(nginx.url(discoveryPath())), c, -1));
    for (Spec s : specs) warm(s.target(), c);
    return measure(specs, true);
  }

  private void writePart3(Map<String, Measured> m) {
    if (m.isEmpty()) return;
    List<List<String>> rows = new ArrayList<>();
    for (String doc : List.of("jwks", "discovery")) {
      Measured s = m.get(doc + " server");
      Measured n = m.get(doc + " nginx");
      if (s == null) continue;
      rows.add(List.of(doc + ": aws-ops-idp", Md.rates(s.rps()), Md.mss(s.p50()), Md.mss(s.p99()),
          Long.toString(s.errors()), cpu(s), n == null ? "-" : Md.pct(s.rps().ratioTo(n.rps())),
          n == null ? "-" : Md.num(s.p99().ratioTo(n.p99()), 2)));
      if (n != null) {
        rows.add(List.of(doc + ": nginx, same bytes", Md.rates(n.rps()), Md.mss(n.p50()), Md.mss(n.p99()),
            Long.toString(n.errors()), "-", "100 %", "1.00"));
      }
    }
    section("Part 3: public documents against nginx").append("""

        `GET %s` and `GET %s` (the RS256 role's JWKS and discovery document) at %d connections, %d rounds of %d s, \
        the server and nginx interleaved round by round, load by %s. nginx (%s) serves the bytes fetched from the \
        server as static files (`default_type application/json`, `worker_processes auto`, no access log, \
        keep-alive not capped). "req/s vs nginx" and "p99 vs nginx" are the medians' ratios (p99 lower is better).

        """.formatted(jwksPath(), discoveryPath(), o.documentConnections(), o.rounds(), o.loadSeconds(),
        load.describe(), nginxBinary.map(Nginx::version).orElse("not installed")))
        .append(Md.table(List.of("document: server", "req/s median (min-max)", "p50 ms", "p99 ms", "errors",
            "server CPU", "req/s vs nginx", "p99 vs nginx"), rows));
    Measured s = m.get("jwks server");
    Measured n = m.get("jwks nginx");
    if (s != null && n != null) {
      double r = s.rps().ratioTo(n.rps());
      goals.add(new Goal("JWKS requests/s against nginx serving the same bytes",
          Md.rate(s.rps().median()) + " vs " + Md.rate(n.rps().median()) + "/s = " + Md.pct(r), ">= 80 %",
          Optional.of(r >= 0.8), (r >= 0.8 ? "" : "short by " + Md.num((0.8 - r) * 100, 0) + " points")
          + "; server CPU " + cpu(s) + " cores" + profileNote("JWKS")));
      boolean p99ok = s.p99().median() <= n.p99().median();
      goals.add(new Goal("JWKS p99 against nginx's p99", Md.ms(s.p99().median()) + " ms vs "
          + Md.ms(n.p99().median()) + " ms", "no worse", Optional.of(p99ok),
          p99ok ? "" : Md.num(s.p99().median() / Math.max(0.001, n.p99().median()), 1) + "x nginx's"));
    } else {
      goals.add(new Goal("JWKS requests/s against nginx serving the same bytes", "not measured", ">= 80 %",
          Optional.empty(), nginxBinary.isEmpty() ? "nginx is not installed" : ""));
    }
  }

  // ------------------------------------------------------------------------------------------------- part 4

  private void writePart4(Map<String, Measured> small2, Map<String, Measured> big2, Map<String, Measured> small3,
      Map<String, Measured> big3, double startSmall, List<Double> starts, double rssSmall, List<Double> readyRss,
      double rssAfterLoad, double rssEnd, double peak, Optional<Stat> listSmall, Optional<Stat> listLarge,
      double seedRate, Map<String, Double> timeline) {
    List<List<String>> rows = new ArrayList<>();
    boolean allWithin = true;
    String worst = "";
    double worstDev = 0;
    Map<String, Measured> small = new LinkedHashMap<>(small2);
    small.putAll(small3);
    Map<String, Measured> big = new LinkedHashMap<>(big2);
    big.putAll(big3);
    for (Map.Entry<String, Measured> e : small.entrySet()) {
      Measured a = e.getValue();
      Measured b = big.get(e.getKey());
      if (b == null || e.getKey().endsWith("nginx")) continue;
      double rr = b.rps().ratioTo(a.rps());
      double p50 = b.p50().ratioTo(a.p50());
      double p99 = b.p99().ratioTo(a.p99());
      // Within 10 %: throughput no more than 10 % lower, latencies no more than 10 % higher.
      boolean ok = rr >= 0.9 && p50 <= 1.1 && p99 <= 1.1;
      allWithin &= ok;
      double dev = Math.max(Math.max(1 - rr, p50 - 1), p99 - 1);
      if (dev > worstDev) {
        worstDev = dev;
        worst = e.getKey();
      }
      double ca = cpuPerRequestMs(a);
      double cb = cpuPerRequestMs(b);
      rows.add(List.of(e.getKey(), Md.rate(a.rps().median()), Md.rate(b.rps().median()), Md.pct(rr),
          Md.ms(a.p50().median()) + " / " + Md.ms(b.p50().median()), Md.pct(p50),
          Md.ms(a.p99().median()) + " / " + Md.ms(b.p99().median()), Md.pct(p99),
          ca <= 0 || cb <= 0 ? "-" : Md.num(ca * 1000, 0) + " / " + Md.num(cb * 1000, 0) + " (" + Md.pct(cb / ca) + ")",
          Long.toString(b.errors()), ok ? "yes" : "no"));
    }
    Stat startBig = starts.isEmpty() ? null : Stat.of(starts);
    Stat rssBig = readyRss.isEmpty() ? null : Stat.of(readyRss);
    List<List<String>> other = new ArrayList<>();
    other.add(List.of("server start to ready (s), JVM start included", Md.num(startSmall, 2),
        startBig == null ? "-" : Md.num(startBig.median(), 2) + " (" + Md.num(startBig.min(), 2) + "-"
            + Md.num(startBig.max(), 2) + ", " + startBig.rounds() + " starts)", "< 3 s"));
    other.add(List.of("resident memory at ready (MiB)", Md.num(rssSmall, 0),
        rssBig == null ? "-" : Md.num(rssBig.median(), 0), "< 256 MiB"));
    other.add(List.of("resident memory after parts 2 and 3 (MiB)", "-", Md.num(rssAfterLoad, 0), "< 256 MiB"));
    other.add(List.of("resident memory after part 5, and peak (MiB)", "-", Md.num(rssEnd, 0) + ", peak "
        + Md.num(peak, 0), "< 256 MiB"));
    other.add(List.of("`keys-admin role list` (s), JVM start included", listSmall.map(Bench::secs).orElse("-"),
        listLarge.map(Bench::secs).orElse("-"), "-"));
    other.add(List.of("roles created through the product (roles/s, ES256, 2 threads)", "-", Md.num(seedRate, 1),
        "P-256 key generation: 115-190/s (issue's figure)"));
    section("Part 4: scale, " + o.scaleRoles() + " roles against " + o.baseRoles()).append("""

        Parts 2 and 3 again after %d more ES256 roles were created through the product (`Pkcs11RoleKeyStore` in a \
        JVM of its own, 2 threads; labels exactly as `RoleService.create` writes them), so the token holds %d roles, \
        against the figures with %d roles above. Ratios are the %d-role median over the %d-role median; "within \
        10 %%" means requests/s at least 90 %% and p50 and p99 at most 110 %%. The server's CPU per request tells a \
        cost that grew with the roles from a machine that got busier between the two measurements (the load \
        average at start and end is in the machine table). Then: the server's start, its memory, and \
        `keys-admin role list`.

        """.formatted(o.scaleRoles() - o.baseRoles(), o.scaleRoles(), o.baseRoles(), o.scaleRoles(), o.baseRoles()))
        .append(Md.table(List.of("figure", "req/s " + o.baseRoles(), "req/s " + o.scaleRoles(), "ratio",
            "p50 ms " + o.baseRoles() + " / " + o.scaleRoles(), "ratio", "p99 ms " + o.baseRoles() + " / "
                + o.scaleRoles(), "ratio", "server CPU µs per request " + o.baseRoles() + " / " + o.scaleRoles(),
            "errors " + o.scaleRoles(), "within 10 %"), rows))
        .append("\n")
        .append(Md.table(List.of("figure", o.baseRoles() + " roles", o.scaleRoles() + " roles", "target"), other));
    if (loadBeforePart2.size() == 2) {
      section("Part 4: scale, " + o.scaleRoles() + " roles against " + o.baseRoles())
          .append("\nLoad average (1, 5, 15 min) as part 2 began: " + loadBeforePart2.get(0) + " with "
              + o.baseRoles() + " roles, " + loadBeforePart2.get(1) + " with " + o.scaleRoles() + " roles.\n");
    }
    if (!timeline.isEmpty()) {
      List<List<String>> tl = new ArrayList<>();
      timeline.forEach((k, v) -> tl.add(List.of(Md.code(k), Md.num(v, 2))));
      section("Part 4: scale, " + o.scaleRoles() + " roles against " + o.baseRoles())
          .append("\nThe last start with " + o.scaleRoles() + " roles, from the server's log (seconds after the JVM "
              + "was spawned; the log's clock has millisecond steps):\n\n")
          .append(Md.table(List.of("first log line containing", "s"), tl));
    }
    if (!rows.isEmpty()) {
      goals.add(new Goal(o.scaleRoles() + " roles against " + o.baseRoles() + ": every figure within 10 %",
          allWithin ? "all within" : "worst: " + worst + ", " + Md.num(worstDev * 100, 0) + " % off", "within 10 %",
          Optional.of(allWithin), ""));
    }
    if (startBig != null) {
      goals.add(new Goal("start to ready with " + o.scaleRoles() + " roles", Md.num(startBig.median(), 2) + " s",
          "< 3 s", Optional.of(startBig.median() < 3), startBig.median() < 3 ? ""
          : "over by " + Md.num(startBig.median() - 3, 2) + " s"));
    }
    double rssMax = Math.max(Math.max(rssAfterLoad, rssEnd), rssBig == null ? 0 : rssBig.max());
    goals.add(new Goal("resident memory with " + o.scaleRoles() + " roles (highest of the readings)",
        Md.num(rssMax, 0) + " MiB (peak " + Md.num(peak, 0) + ")", "< 256 MiB", Optional.of(rssMax < 256),
        rssMax < 256 ? "" : "over by " + Md.num(rssMax - 256, 0) + " MiB"));
  }

  private static String secs(Stat s) {
    return Md.num(s.median(), 2) + " (" + Md.num(s.min(), 2) + "-" + Md.num(s.max(), 2) + ")";
  }

  // ------------------------------------------------------------------------------------------------- part 5

  private Void part5(IdpServer server, Target rs256) {
    say("part 5: rotation under load");
    int seconds = o.rotationSeconds();
    String[] rotation = new String[1];
    double[] rotatedAt = {-1, -1};
    long t0 = System.nanoTime();
    Thread rotator = new Thread(() -> {
      try {
        Thread.sleep(o.rotateAtSecond() * 1000L);
        double at = (System.nanoTime() - t0) / 1e6;
        HttpResponse<String> r = send(HttpRequest.newBuilder(
                server.managementUrl("/admin/roles/" + RS_ACCOUNT + "/" + ENGINEER + "/rotate"))
            .header("Authorization", "Bearer " + adminToken)
            .POST(HttpRequest.BodyPublishers.noBody()).build());
        rotatedAt[0] = at;
        rotatedAt[1] = (System.nanoTime() - t0) / 1e6 - at;
        rotation[0] = "HTTP " + r.statusCode() + (r.statusCode() < 300 ? "" : " " + Proc.tail(r.body(), 200));
      } catch (RuntimeException | InterruptedException e) {
        rotation[0] = e.toString();
      }
    }, "bench-rotate");
    rotator.start();
    List<JavaLoad.Sample> samples = javaLoad.samples(rs256, 8, Duration.ofSeconds(seconds),
        body -> headerOf(body).map(h -> h.getKeyID()).orElse("?"));
    try {
      rotator.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Sample times count from the load's start, a moment after t0.
    List<List<String>> rows = new ArrayList<>();
    Map<String, String> kidNames = new LinkedHashMap<>();
    List<Double> baseRps = new ArrayList<>();
    List<Double> baseP99 = new ArrayList<>();
    double worstP99 = 0;
    double worstMax = 0;
    double minRps = Double.MAX_VALUE;
    int rotSecond = rotatedAt[0] < 0 ? Integer.MAX_VALUE : (int) (rotatedAt[0] / 1000);
    for (int s = 0; s < seconds; s++) {
      int sec = s;
      List<JavaLoad.Sample> b = samples.stream().filter(x -> x.startMs() >= sec * 1000 && x.startMs() < (sec + 1) * 1000)
          .toList();
      LoadResult r = JavaLoad.summarize(b, 1.0);
      Map<String, Integer> kids = new TreeMap<>();
      for (JavaLoad.Sample x : b) {
        if (x.ok()) {
          String k = kidNames.computeIfAbsent(x.tag(), t -> "key " + (char) ('A' + kidNames.size()));
          kids.merge(k, 1, Integer::sum);
        }
      }
      if (s > 0 && s < rotSecond) {
        baseRps.add(r.perSecond());
        baseP99.add(r.p99Ms());
      } else if (s >= rotSecond) {
        worstP99 = Math.max(worstP99, r.p99Ms());
        worstMax = Math.max(worstMax, r.maxMs());
        minRps = Math.min(minRps, r.perSecond());
      }
      rows.add(List.of((s == rotSecond ? "**" + s + " (rotate)**" : Integer.toString(s)), Md.rate(r.perSecond()),
          Md.ms(r.p50Ms()), Md.ms(r.p99Ms()), Md.ms(r.maxMs()), Long.toString(r.errors()), kids.toString()));
    }
    long errors = samples.stream().filter(x -> !x.ok()).count();
    Stat br = baseRps.isEmpty() ? null : Stat.of(baseRps);
    Stat bp = baseP99.isEmpty() ? null : Stat.of(baseP99);
    StringBuilder sec = section("Part 5: rotation under load");
    sec.append("""

        Token exchange for the RS256 role at 8 connections for %d s (with %d roles on the token), load by %s (it \
        keeps each request's time, status and the `kid` of the token it got); at second %d the role is rotated \
        through the admin API, `POST /admin/roles/%s/%s/rotate` (an RSA-2048 key generated in the HSM while the \
        load runs). The admin API refreshes the server's role snapshot at once, so the new key is published at once \
        and, with `http.jwks-max-age = 5s`, signs from 5 s after the rotation. Keys are named A, B in order of \
        appearance.

        Rotation call: %s, answered in %s ms. Requests: %d, errors (anything but 200, or no answer): **%d**.

        """.formatted(seconds, o.scaleRoles(), javaLoad.describe(), o.rotateAtSecond(), RS_ACCOUNT, ENGINEER,
        rotation[0] == null ? "not made" : rotation[0], rotatedAt[1] < 0 ? "-" : Md.ms(rotatedAt[1]), samples.size(),
        errors));
    if (br != null && minRps != Double.MAX_VALUE) {
      sec.append(String.format(Locale.ROOT, "Before the rotation: %s tokens/s, p99 %s ms (medians of the seconds "
              + "1..%d). From the rotation on: lowest second %s tokens/s (%s), worst second's p99 %s ms (%s), "
              + "slowest request %s ms.%n%n",
          Md.rate(br.median()), Md.ms(bp.median()), rotSecond - 1, Md.rate(minRps),
          Md.pct(minRps / Math.max(1e-9, br.median())) + " of before", Md.ms(worstP99),
          Md.num(worstP99 / Math.max(1e-9, bp.median()), 1) + "x before", Md.ms(worstMax)));
    }
    sec.append(Md.table(List.of("second", "tokens/s", "p50 ms", "p99 ms", "max ms", "errors", "tokens by key"),
        rows));
    boolean rotated = rotation[0] != null && rotation[0].startsWith("HTTP 2");
    goals.add(new Goal("rotation under load at concurrency 8: errors", errors + " errors in " + samples.size()
        + " requests" + (rotated ? "" : "; the rotation call failed: " + rotation[0]), "0", Optional.of(errors == 0
        && rotated), br == null || minRps == Double.MAX_VALUE ? "" : "dip: lowest second "
        + Md.pct(minRps / Math.max(1e-9, br.median())) + " of the rate before, worst p99 " + Md.ms(worstP99) + " ms"));
    if (!rotated) throw new IllegalStateException("the rotation call failed: " + rotation[0]);
    return null;
  }

  // ------------------------------------------------------------------------------------------------- profile

  private Void profile(IdpServer server, Map<String, Target> exchange) {
    Optional<Path> jcmd = Optional.of(Path.of(System.getProperty("java.home"), "bin", "jcmd"))
        .filter(Files::isExecutable).or(() -> Proc.which("jcmd"));
    if (jcmd.isEmpty()) throw new IllegalStateException("jcmd is not installed (the JDK's, not the JRE's)");
    StringBuilder sec = section("Where the time goes");
    sec.append("""

        JDK Flight Recorder profiles of the server (`jcmd PID JFR.start settings=profile`, then `JFR.stop`), one \
        extra round of %d s each, not counted above, at %d roles. Samples of threads running Java code and of \
        threads inside native code (SoftHSM2 signs there); threads idle in epoll are left out. A sample is given to \
        the innermost frame that is not generic JDK code. The recordings stay in `%s` for `jfr print` or JDK Mission \
        Control.

        """.formatted(o.loadSeconds(), o.baseRoles(), o.work().resolve("*.jfr")));
    Map<String, Spec> runs = new LinkedHashMap<>();
    if (exchange.containsKey("RS256")) {
      runs.put("RS256 token exchange, concurrency 8", new Spec("jfr-rs256", exchange.get("RS256"), 8, -1));
    }
    if (exchange.containsKey("ES256")) {
      runs.put("ES256 token exchange, concurrency 8", new Spec("jfr-es256", exchange.get("ES256"), 8, -1));
    }
    runs.put("JWKS, " + o.documentConnections() + " connections",
        new Spec("jfr-jwks", Target.get(server.publicUrl(jwksPath())), o.documentConnections(), -1));
    for (Map.Entry<String, Spec> run : runs.entrySet()) {
      Spec s = run.getValue();
      Path file = work.resolve(s.name() + ".jfr");
      LoadResult[] r = new LoadResult[1];
      say("profile: " + run.getKey());
      Jfr.Profile p = Jfr.record(jcmd.get().toString(), server.pid(), file,
          () -> r[0] = load.run(s.target(), s.connections(), Duration.ofSeconds(o.loadSeconds())));
      profiles.put(run.getKey().substring(0, 5).replace(",", ""), p);
      sec.append("\n**").append(run.getKey()).append("** (").append(Md.rate(r[0].perSecond()))
          .append(" req/s while recording; ").append(p.samples()).append(" samples; GC pauses ")
          .append(Md.ms(p.gcPauseMs())).append(" ms");
      if (p.jvmCpu() >= 0) {
        sec.append("; server JVM ").append(Md.pct(p.jvmCpu())).append(" of the machine's CPU, whole machine ")
            .append(Md.pct(p.machineCpu()));
      }
      sec.append(")\n\n");
      List<List<String>> rows = new ArrayList<>();
      p.byLayer().forEach((k, v) -> rows.add(List.of(k, Md.pct(v / (double) Math.max(1, p.samples())))));
      sec.append(Md.textTable(List.of("layer", "share of samples"), rows)).append('\n');
      List<List<String>> top = new ArrayList<>();
      p.topFrames().forEach((k, v) -> top.add(List.of(Md.code(k), Md.pct(v / (double) Math.max(1, p.samples())))));
      sec.append(Md.textTable(List.of("hottest frame (self)", "share of samples"), top));
      if (!p.waitsMs().isEmpty()) {
        List<List<String>> waits = new ArrayList<>();
        p.waitsMs().forEach((k, v) -> waits.add(List.of(Md.code(k), Md.num(v, 0))));
        sec.append("\nThreads waiting (locks and parks of 10 ms or more, summed over all threads):\n\n")
            .append(Md.textTable(List.of("waiting in", "ms in all"), waits));
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------------- report

  private String render() {
    StringBuilder s = new StringBuilder();
    s.append("# Performance\n\n");
    s.append("Written by `bin/bench`").append(o.smoke() ? " in smoke mode (tiny counts: these figures mean nothing)"
        : "").append(" on ").append(DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(
        java.time.temporal.ChronoUnit.SECONDS))).append(", in ")
        .append(Md.num(Duration.between(started, Instant.now()).toMillis() / 1000.0, 0)).append(" s. ")
        .append("Everything below was measured in that one run, on one machine, side by side. Speed matters here: AWS ")
        .append("STS gives an issuer about 5 s and refetches when it cannot cache, HSMs are slow and small, and every ")
        .append("engineer's session start waits on the token exchange.\n\n");
    s.append("Command: ").append(Md.code(o.command())).append("\n\n");
    s.append("## Machine and versions\n\n");
    s.append(Md.textTable(List.of("what", "value"), machine())).append('\n');
    s.append("## Targets\n\n");
    s.append("Ratios within this run. Where a target is missed, \"Where the time goes\" below says why.\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Goal g : goals) {
      rows.add(List.of(g.what(), g.figure(), g.target(), g.met().map(b -> b ? "met" : "**missed**")
          .orElse("not measured"), g.note()));
    }
    s.append(Md.textTable(List.of("target", "this run", "target", "", "note"), rows)).append('\n');
    if (!failures.isEmpty()) {
      s.append("**This run had failures**; the parts concerned say what failed:\n\n");
      for (String f : failures) s.append("- ").append(f.replace("\n", " ")).append('\n');
      s.append('\n');
    }
    sections.forEach((title, body) -> s.append("## ").append(title).append('\n').append(body).append('\n'));
    s.append("## How to run it\n\n")
        .append("`bin/bench` builds the modules it needs (`mvn -pl bench -am package -DskipTests`), installs nginx ")
        .append("and wrk from Debian when they are missing, creates its own SoftHSM2 token under ")
        .append("`bench/target/bench-work`, and rewrites this file (about 10 minutes on 2 vCPUs (9.6 min on a busy shared machine)). ")
        .append("`bin/bench --smoke` runs every part with tiny counts in well under a minute and writes ")
        .append("`bench/target/bench-smoke/PERFORMANCE.md`; `mvn verify` runs the same smoke run as the bench ")
        .append("module's test (`BenchSmokeTest`), which checks that the report is complete and asserts no ")
        .append("timings. Options: `--rounds N`, `--seconds N` (per round), `--roles N`, `--profile false`, ")
        .append("`--load-tool wrk|java`, `--server-java-options '...'`, `--out FILE`.\n");
    return s.toString();
  }

  private List<List<String>> machine() {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("date (UTC)", DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(
        java.time.temporal.ChronoUnit.SECONDS))));
    rows.add(List.of("`nproc`", Proc.firstLine("nproc")));
    rows.add(List.of("CPU model", cpuModel()));
    rows.add(List.of("memory", memory()));
    rows.add(List.of("OS, kernel", osName() + ", " + Proc.firstLine("uname", "-r")));
    rows.add(List.of("Java (server, harness)", System.getProperty("java.vm.name") + " "
        + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")"));
    rows.add(List.of("server JVM options", o.serverJavaOptions().isEmpty() ? "none beyond the PKCS#11 exports "
        + "(JVM defaults: " + defaultGc() + ")" : Md.code(String.join(" ", o.serverJavaOptions()))));
    rows.add(List.of("SoftHSM2", Proc.firstLine("softhsm2-util", "--version") + " (" + SoftHsmToken.LIBRARY + ")"));
    rows.add(List.of("OpenSSL", Proc.firstLine("openssl", "version")));
    rows.add(List.of("nginx", nginxBinary.map(Nginx::version).orElse("not installed")));
    rows.add(List.of("load generator", load == null ? "-" : load.describe()));
    rows.add(List.of("load average (1, 5, 15 min) at start, at end", loadAtStart + "; " + loadAverage()
        + " (other work on the machine takes CPU from the run: compare it with `nproc`)"));
    rows.add(List.of("commit", gitCommit()));
    rows.add(List.of("server launch", Md.code(productLaunch("idp-server", IdpServer.MAIN) + " --config idp.conf")));
    rows.add(List.of("keys-admin launch", Md.code(productLaunch("keys-admin", KEYS_ADMIN_MAIN)
        + " --config idp.conf --json role list")));
    return rows;
  }

  private static String defaultGc() {
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc.getName().startsWith("G1")) return "G1, max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB";
    }
    return "max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB";
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String memory() {
    try {
      String line = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
      long kb = Long.parseLong(line.replaceAll("\\D", ""));
      return Md.num(kb / 1024.0 / 1024.0, 1) + " GiB";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String osName() {
    try {
      return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
          .map(l -> l.substring(12).replace("\"", "")).findFirst().orElse("Linux");
    } catch (IOException e) {
      return "Linux";
    }
  }

  private String gitCommit() {
    String c = Proc.firstLine("git", "-C", o.repo().toString(), "rev-parse", "--short", "HEAD");
    String dirty = Proc.firstLine("git", "-C", o.repo().toString(), "status", "--porcelain", "--untracked-files=no");
    return c.isEmpty() ? "unknown" : c + (dirty.isEmpty() ? "" : " (with uncommitted changes)");
  }
}
