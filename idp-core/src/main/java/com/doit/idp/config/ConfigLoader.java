package com.doit.idp.config;

import com.doit.idp.role.SigningAlgorithm;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the {@code key = value} file, applies {@code IDP_*} environment overrides, and validates everything at
 * once. Unknown keys, unknown {@code IDP_*} variables and invalid values are refused with a message that names the
 * key. Relative paths are taken from the working directory.
 */
public final class ConfigLoader {
  /** Every key, with its default ({@code null}: no default). Order is the order of docs/CONFIGURATION.md. */
  public static final Map<String, String> DEFAULTS = defaults();

  /** A variable that is not a key: the PIN. */
  public static final String PIN_VARIABLE = "IDP_HSM_PIN";
  /** The other variable that is not a key: where the file is ({@link ConfigFile}). */
  public static final String FILE_VARIABLE = ConfigFile.VARIABLE;

  private static final Pattern ROLE_PREFIX = Pattern.compile("[\\w+=,.@-]{1,63}");
  private static final Pattern THUMBPRINT = Pattern.compile("[0-9a-fA-F]{40}");
  private static final Pattern SNS_TOPIC_ARN = Pattern.compile("arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}");
  /** A host name whose labels may be {@code *}, or a host:port (tests name a loopback stand-in). */
  private static final Pattern CERT_HOST = Pattern.compile("(\\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?)(\\.(\\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?))*(:[0-9]{1,5})?");
  private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9_:./-]{1,64}");
  /** A logger name as Java writes them (packages and classes), or ROOT. */
  private static final Pattern LOGGER_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
  /** 12 digits, a slash, at most 51 engineer characters, and the slash before them. */
  private static final int LONGEST_ROLE_PATH = 1 + 12 + 1 + 51;

  private ConfigLoader() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("issuer.base-url", "https://oidc.aws-ops.doit-intl.com");
    d.put("issuer.role-prefix", "DoiT-Support-");
    d.put("issuer.audience", "sts.amazonaws.com");
    d.put("listen.public", "0.0.0.0:8080");
    d.put("listen.token", "0.0.0.0:8081");
    d.put("listen.management", "127.0.0.1:9090");
    for (String l : List.of("public", "token", "management")) {
      d.put("listen." + l + ".tls-cert", null);
      d.put("listen." + l + ".tls-key", null);
      d.put("listen." + l + ".proxy-protocol", "false");
    }
    d.put("hsm.library", "/usr/lib/softhsm/libsofthsm2.so");
    d.put("hsm.token-label", null);
    d.put("hsm.pin-file", null);
    d.put("hsm.sessions", "8");
    d.put("sso.issuer", null);
    d.put("sso.audiences", null);
    d.put("sso.allowed-domains", null);
    d.put("sso.require-email-verified", "true");
    d.put("sso.max-age", "1h");
    d.put("sso.engineer-id", "local-part");
    d.put("sso.required-claims", null);
    d.put("tokens.lifetime", "300s");
    d.put("tokens.algorithm", "RS256");
    d.put("roles.default-ttl", "24h");
    d.put("roles.max-ttl", "30d");
    d.put("roles.cache-ttl", "30s");
    d.put("roles.max-active", "3000");
    d.put("http.jwks-max-age", "300s");
    d.put("http.max-body", "64KiB");
    d.put("http.rate-limit", "60/m");
    d.put("http.max-connections", "1000");
    d.put("http.body-timeout", "10s");
    d.put("http.trusted-proxies", null);
    d.put("http.shutdown-delay", "5s");
    d.put("audit.file", "var/audit.log");
    d.put("log.format", "text");
    d.put("log.levels", null);
    d.put("admin.token-file", null);
    d.put("admin.allow-plain-http", "false");
    d.put("hooks.sns-topic-arns", null);
    d.put("hooks.max-age", "1h");
    d.put("hooks.sns-cert-hosts", "sns.*.amazonaws.com, sns.*.amazonaws.com.cn");
    d.put("hooks.trust-store", null);
    d.put("hooks.allow-loopback-response-url", "false");
    d.put("aws.management-role-name", "DoiT_Management_Role_DO-NOT-DELETE");
    d.put("aws.region", "us-east-1");
    d.put("aws.iam-endpoint", null);
    d.put("aws.sts-endpoint", null);
    d.put("aws.oidc-thumbprints", null);
    d.put("aws.external-id-secret-file", null);
    return java.util.Collections.unmodifiableMap(d);
  }

  /** {@code hd=doit-intl.com, tenant=x}: claim names and the exact string each must carry. */
  static Map<String, String> claimPairs(String v) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : Values.list(v)) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) throw new IllegalArgumentException("must be claim=value pairs");
      String name = pair.substring(0, eq).strip();
      if (!CLAIM_NAME.matcher(name).matches()) throw new IllegalArgumentException("'" + name + "' is not a claim name");
      if (out.put(name, pair.substring(eq + 1).strip()) != null) {
        throw new IllegalArgumentException("claim " + name + " is given twice");
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@code com.doit.idp=debug, io.undertow=warn}: logger names (or {@code ROOT}) and their levels, in order. */
  static Map<String, IdpConfig.LogLevel> loggerLevels(String v) {
    Map<String, IdpConfig.LogLevel> out = new LinkedHashMap<>();
    for (String pair : Values.list(v)) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) throw new IllegalArgumentException("must be logger=level pairs");
      String name = pair.substring(0, eq).strip();
      if (!LOGGER_NAME.matcher(name).matches()) throw new IllegalArgumentException("'" + name + "' is not a logger name");
      IdpConfig.LogLevel level;
      try {
        level = IdpConfig.LogLevel.valueOf(pair.substring(eq + 1).strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the level of " + name + " must be trace, debug, info, warn, error or off");
      }
      if (out.put(name, level) != null) throw new IllegalArgumentException("logger " + name + " is given twice");
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@code sso.allowed-domains} -> {@code IDP_SSO_ALLOWED_DOMAINS}. */
  public static String variableOf(String key) {
    return KeyValueFile.variableOf("IDP_", key);
  }

  /** Loads from a file (or none) and the process environment. */
  public static IdpConfig load(Optional<Path> file, boolean dev) {
    return load(file, System.getenv(), dev);
  }

  public static IdpConfig load(Optional<Path> file, Map<String, String> env, boolean dev) {
    Map<String, String> raw = new LinkedHashMap<>(DEFAULTS);
    if (file.isPresent()) raw.putAll(readFile(file.get()));
    Map<String, String> byVariable = new LinkedHashMap<>();
    for (String key : DEFAULTS.keySet()) byVariable.put(variableOf(key), key);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("IDP_") || name.equals(PIN_VARIABLE) || name.equals(FILE_VARIABLE)) continue;
      String key = byVariable.get(name);
      if (key == null) throw new ConfigException(name + ": unknown configuration variable");
      raw.put(key, e.getValue());
    }
    return new Reader(raw, env, dev).read();
  }

  /**
   * Where a key's effective value comes from: {@code FILE:LINE}, the variable, {@code default}, or {@code not set}
   * (then {@code value} is null).
   */
  public record Origin(String value, String source) {}

  /**
   * Each key's effective value (as written, before parsing) and where it comes from, in the order of
   * {@link #DEFAULTS}: the file's line, the {@code IDP_*} variable (which wins), or the default. Reads the file and
   * the variables as {@link #load} does, and refuses what it refuses there (unknown keys and variables), but checks
   * no value: call {@link #load} for that.
   */
  public static Map<String, Origin> origins(Optional<Path> file, Map<String, String> env) {
    Map<String, Origin> out = new LinkedHashMap<>();
    DEFAULTS.forEach((k, v) -> out.put(k, new Origin(v, v == null ? "not set" : "default")));
    if (file.isPresent()) {
      KeyValueFile.readLines(file.get(), DEFAULTS.keySet())
          .forEach((k, line) -> out.put(k, new Origin(line.value(), file.get() + ":" + line.number())));
    }
    for (String key : DEFAULTS.keySet()) {
      String v = env.get(variableOf(key));
      if (v != null) out.put(key, new Origin(v, variableOf(key)));
    }
    return out;
  }

  /** Parses {@code key = value} lines; {@code #} starts a comment. */
  static Map<String, String> readFile(Path file) {
    return KeyValueFile.read(file, DEFAULTS.keySet());
  }

  private static final class Reader {
    private final Map<String, String> raw;
    private final Map<String, String> env;
    private final boolean dev;

    Reader(Map<String, String> raw, Map<String, String> env, boolean dev) {
      this.raw = raw;
      this.env = env;
      this.dev = dev;
    }

    IdpConfig read() {
      IdpConfig.Issuer issuer = new IdpConfig.Issuer(
          get("issuer.base-url", this::issuerBase),
          get("issuer.role-prefix", v -> check(v, ROLE_PREFIX.matcher(v).matches(),
              "must be 1..63 characters of letters, digits and +=,.@_-")),
          get("issuer.audience", v -> check(v, !v.isEmpty() && v.length() <= 255, "must be 1..255 characters")));
      IdpConfig.Listen listen = new IdpConfig.Listen(listener("public"), listener("token"), listener("management"));

      Optional<Path> pinFile = opt("hsm.pin-file", Path::of);
      Secret pin;
      String pinEnv = env.get(PIN_VARIABLE);
      if (pinEnv != null && !pinEnv.isEmpty()) {
        pin = new Secret(pinEnv.toCharArray());
      } else if (pinFile.isPresent()) {
        pin = readSecret("hsm.pin-file", pinFile.get());
      } else {
        throw new ConfigException("hsm.pin-file: no PIN: set " + PIN_VARIABLE + " or hsm.pin-file");
      }
      IdpConfig.Hsm hsm = new IdpConfig.Hsm(
          get("hsm.library", Path::of),
          required("hsm.token-label", v -> check(v, v.length() <= 32, "must be at most 32 characters")),
          pin,
          get("hsm.sessions", v -> Values.integer(v, 1, 1024)));

      Optional<URI> ssoIssuer = opt("sso.issuer", this::ssoIssuer);
      if (ssoIssuer.isEmpty() && !dev) throw new ConfigException("sso.issuer: required");
      List<String> audiences = dev && ssoIssuer.isEmpty()
          ? opt("sso.audiences", this::nonEmptyList).orElse(List.of("aws-ops-idp-dev"))
          : required("sso.audiences", this::nonEmptyList);
      IdpConfig.Sso sso = new IdpConfig.Sso(
          ssoIssuer,
          audiences,
          required("sso.allowed-domains", v -> nonEmptyList(v).stream().map(d -> domain(d)).distinct().toList()),
          get("sso.require-email-verified", Values::bool),
          get("sso.max-age", v -> positive(Values.duration(v))),
          get("sso.engineer-id", v -> switch (v) {
            case "local-part" -> IdpConfig.EngineerIdForm.LOCAL_PART;
            case "email" -> IdpConfig.EngineerIdForm.EMAIL;
            default -> throw new IllegalArgumentException("must be local-part or email");
          }),
          opt("sso.required-claims", ConfigLoader::claimPairs).orElse(Map.of()));
      // Two people must never share an engineer id: bob@doit.com and bob@doit-intl.com would both be "bob".
      if (sso.allowedDomains().size() > 1 && sso.engineerId() == IdpConfig.EngineerIdForm.LOCAL_PART) {
        throw new ConfigException("sso.engineer-id: must be email when sso.allowed-domains lists several domains "
            + "(with local-part, the same name in two domains would be one engineer)");
      }

      Duration lifetime = get("tokens.lifetime", v -> between(Values.duration(v), 1, 3600));
      IdpConfig.Tokens tokens = new IdpConfig.Tokens(lifetime, get("tokens.algorithm", SigningAlgorithm::parse));

      Duration maxTtl = get("roles.max-ttl", v -> positive(Values.duration(v)));
      Duration defaultTtl = get("roles.default-ttl", v -> positive(Values.duration(v)));
      if (defaultTtl.compareTo(maxTtl) > 0) throw new ConfigException("roles.default-ttl: must not exceed roles.max-ttl");
      IdpConfig.Roles roles = new IdpConfig.Roles(defaultTtl, maxTtl,
          get("roles.cache-ttl", v -> positive(Values.duration(v))),
          get("roles.max-active", v -> Values.integer(v, 1, 1_000_000)));

      IdpConfig.Http http = new IdpConfig.Http(
          // STS fetches too often when max-age is 0 (aws-sts-rules.md section 2)
          get("http.jwks-max-age", v -> between(Values.duration(v), 1, 86400)),
          get("http.max-body", v -> {
            long n = Values.size(v);
            if (n < 1024 || n > 16 * 1024 * 1024) throw new IllegalArgumentException("must be 1KiB..16MiB");
            return n;
          }),
          get("http.rate-limit", RateLimit::parse),
          get("http.max-connections", v -> Values.integer(v, 1, 1_000_000)),
          get("http.body-timeout", v -> between(Values.duration(v), 1, 3600)),
          opt("http.trusted-proxies", v -> Values.list(v).stream().map(Cidr::parse).toList()).orElse(List.of()),
          get("http.shutdown-delay", v -> between(Values.duration(v), 0, 600)));

      for (String name : List.of("public", "token", "management")) {
        IdpConfig.Listener l = switch (name) {
          case "public" -> listen.publicListener();
          case "token" -> listen.token();
          default -> listen.management();
        };
        // a PROXY protocol header is believed from a trusted proxy only: with none, every connection is refused
        if (l.proxyProtocol() && http.trustedProxies().isEmpty()) {
          throw new ConfigException("listen." + name + ".proxy-protocol: needs http.trusted-proxies (the load"
              + " balancers whose PROXY protocol header is believed)");
        }
      }

      IdpConfig.Audit audit = new IdpConfig.Audit(get("audit.file", Path::of));
      IdpConfig.Admin admin = new IdpConfig.Admin(
          opt("admin.token-file", Path::of).map(p -> {
            ownerOnly("admin.token-file", p);
            Secret s = readSecret("admin.token-file", p);
            if (s.reveal().length < 16) throw new ConfigException("admin.token-file: the token must be at least 16 characters");
            return s;
          }),
          get("admin.allow-plain-http", Values::bool));
      IdpConfig.Listener management = listen.management();
      if (!management.tls() && !management.address().isLoopback() && !admin.allowPlainHttp()) {
        // the admin token (and the admin API's answers) would cross the network in clear
        throw new ConfigException("listen.management: " + management.address() + " is not a loopback address and has"
            + " no TLS: give listen.management.tls-cert and listen.management.tls-key, or set"
            + " admin.allow-plain-http = true");
      }
      IdpConfig.Aws aws = new IdpConfig.Aws(
          get("aws.management-role-name", v -> check(v, v.matches("[\\w+=,.@-]{1,64}"), "must be an IAM role name")),
          get("aws.region", v -> check(v, v.matches("[a-z]{2}(-[a-z]+)+-[0-9]+"), "must be an AWS region such as us-east-1")),
          opt("aws.iam-endpoint", this::endpoint),
          opt("aws.sts-endpoint", this::endpoint),
          opt("aws.oidc-thumbprints", v -> {
            List<String> l = Values.list(v);
            if (l.size() > 5) throw new IllegalArgumentException("at most 5 thumbprints");
            for (String t : l) check(t, THUMBPRINT.matcher(t).matches(), "each must be 40 hex characters");
            return l.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
          }).orElse(List.of()),
          opt("aws.external-id-secret-file", Path::of).map(p -> readSecret("aws.external-id-secret-file", p)));
      IdpConfig.Log logConfig = new IdpConfig.Log(get("log.format", v -> switch (v) {
        case "text" -> IdpConfig.LogFormat.TEXT;
        case "json" -> IdpConfig.LogFormat.JSON;
        default -> throw new IllegalArgumentException("must be text or json");
      }), opt("log.levels", ConfigLoader::loggerLevels).orElse(Map.of()));
      IdpConfig.Hooks hooks = new IdpConfig.Hooks(
          opt("hooks.sns-topic-arns", v -> Values.list(v).stream().map(a -> check(a, SNS_TOPIC_ARN.matcher(a).matches(),
              "each must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:name")).toList()).orElse(List.of()),
          get("hooks.max-age", v -> between(Values.duration(v), 1, 86400)),
          get("hooks.sns-cert-hosts", v -> nonEmptyList(v).stream().map(h -> check(h, CERT_HOST.matcher(h).matches()
              && (!h.contains(":") || Loopback.isLoopbackHost(h.substring(0, h.lastIndexOf(':')))),
              "each must be a host name (a '*' stands for one label) or a loopback host:port")).toList()),
          opt("hooks.trust-store", v -> {
            Path p = Path.of(v);
            if (!Files.isReadable(p)) throw new IllegalArgumentException("cannot read " + p);
            return p;
          }),
          get("hooks.allow-loopback-response-url", Values::bool));
      return new IdpConfig(dev, issuer, listen, hsm, sso, tokens, roles, http, audit, admin, aws, logConfig, hooks);
    }

    private IdpConfig.Listener listener(String name) {
      String key = "listen." + name;
      HostPort address = get(key, HostPort::parse);
      Optional<Path> cert = opt(key + ".tls-cert", Path::of);
      Optional<Path> pkey = opt(key + ".tls-key", Path::of);
      if (cert.isPresent() != pkey.isPresent()) {
        throw new ConfigException(key + ".tls-cert: give both tls-cert and tls-key, or neither");
      }
      for (Optional<Path> p : List.of(cert, pkey)) {
        if (p.isPresent() && !Files.isReadable(p.get())) {
          throw new ConfigException(key + (p == cert ? ".tls-cert" : ".tls-key") + ": cannot read " + p.get());
        }
      }
      if (dev && !address.isLoopback()) {
        throw new ConfigException(key + ": --dev listens on loopback addresses only");
      }
      return new IdpConfig.Listener(address, cert, pkey, get(key + ".proxy-protocol", Values::bool));
    }

    private String issuerBase(String v) {
      URI u = uri(v);
      if (u.getQuery() != null || u.getFragment() != null || u.getUserInfo() != null) {
        throw new IllegalArgumentException("must have no query, fragment or user (aws-sts-rules.md section 1)");
      }
      if (v.endsWith("/")) throw new IllegalArgumentException("must not end with a slash (issuers are compared exactly)");
      if (u.getHost() == null) throw new IllegalArgumentException("must name a host");
      if (v.length() + LONGEST_ROLE_PATH > 255) {
        throw new IllegalArgumentException("is too long: issuers must stay within 255 characters");
      }
      if (!dev) {
        if (!"https".equals(u.getScheme())) throw new IllegalArgumentException("must be https:// (AWS IAM accepts only HTTPS issuers)");
        if (u.getPort() != -1) throw new IllegalArgumentException("must not contain a port (aws-sts-rules.md section 1)");
      } else if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) {
        throw new IllegalArgumentException("must be http:// or https://");
      }
      return v;
    }

    private URI ssoIssuer(String v) {
      URI u = uri(v);
      if (u.getHost() == null) throw new IllegalArgumentException("must name a host");
      if ("https".equals(u.getScheme())) return u;
      if ("http".equals(u.getScheme()) && Loopback.isLoopbackHost(u.getHost())) return u;
      throw new IllegalArgumentException("must be https://, or http:// on a loopback address only");
    }

    private URI endpoint(String v) {
      URI u = uri(v);
      if (!"https".equals(u.getScheme()) && !("http".equals(u.getScheme()) && Loopback.isLoopbackHost(u.getHost()))) {
        throw new IllegalArgumentException("must be https://, or http:// on a loopback address only");
      }
      return u;
    }

    private static URI uri(String v) {
      try {
        URI u = new URI(v);
        if (!u.isAbsolute()) throw new IllegalArgumentException("must be an absolute URL");
        return u;
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("must be a URL");
      }
    }

    private List<String> nonEmptyList(String v) {
      List<String> l = Values.list(v);
      if (l.isEmpty()) throw new IllegalArgumentException("must list at least one value");
      return l;
    }

    private static String domain(String d) {
      String lower = d.toLowerCase(Locale.ROOT);
      if (!lower.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
        throw new IllegalArgumentException("'" + d + "' is not a domain name");
      }
      return lower;
    }

    private static Duration positive(Duration d) {
      if (d.isZero()) throw new IllegalArgumentException("must be more than 0");
      return d;
    }

    private static Duration between(Duration d, long minSeconds, long maxSeconds) {
      if (d.getSeconds() < minSeconds || d.getSeconds() > maxSeconds) {
        throw new IllegalArgumentException("must be " + minSeconds + "s.." + maxSeconds + "s");
      }
      return d;
    }

    private static String check(String v, boolean ok, String rule) {
      if (!ok) throw new IllegalArgumentException(rule);
      return v;
    }

    /**
     * A file holding a secret must be the owner's alone: any permission for group or others (read, or write, which
     * would let them replace it) stops the start, with the fix. Skipped where the file system has no POSIX modes.
     */
    private static void ownerOnly(String key, Path p) {
      Set<PosixFilePermission> perms;
      try {
        perms = Files.getPosixFilePermissions(p);
      } catch (UnsupportedOperationException e) {
        return;
      } catch (IOException e) {
        throw new ConfigException(key + ": cannot read " + p + " (" + e.getClass().getSimpleName() + ")");
      }
      for (PosixFilePermission perm : perms) {
        if (perm != PosixFilePermission.OWNER_READ && perm != PosixFilePermission.OWNER_WRITE
            && perm != PosixFilePermission.OWNER_EXECUTE) {
          throw new ConfigException(key + ": " + p + " must be readable by its owner only, but group or others have "
              + "access (" + PosixFilePermissions.toString(perms) + "): chmod 600 " + p);
        }
      }
    }

    private Secret readSecret(String key, Path p) {
      try {
        String s = Files.readString(p, StandardCharsets.UTF_8).strip();
        if (s.isEmpty()) throw new ConfigException(key + ": " + p + " is empty");
        return new Secret(s.toCharArray());
      } catch (IOException e) {
        throw new ConfigException(key + ": cannot read " + p + " (" + e.getClass().getSimpleName() + ")");
      }
    }

    private <T> T get(String key, Function<String, T> parse) {
      return opt(key, parse).orElseThrow(() -> new ConfigException(key + ": required"));
    }

    private <T> T required(String key, Function<String, T> parse) {
      return get(key, parse);
    }

    private <T> Optional<T> opt(String key, Function<String, T> parse) {
      String v = raw.get(key);
      if (v == null || v.isBlank()) return Optional.empty();
      try {
        return Optional.of(parse.apply(v.strip()));
      } catch (ConfigException e) {
        throw e;
      } catch (RuntimeException e) {
        // Values of secrets never reach here: they are read from files, not from this map.
        throw new ConfigException(key + ": " + e.getMessage() + " (got '" + v.strip() + "')");
      }
    }
  }
}
