package com.doit.idp.awsops;

import com.doit.idp.config.ConfigException;
import com.doit.idp.config.KeyValueFile;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The engineer's settings (docs/ENGINEERS.md "Settings"): the file {@code $XDG_CONFIG_HOME/aws-ops/config} (default
 * {@code ~/.config/aws-ops/config}), {@code key = value} as the server's configuration, each key overridden by
 * {@code AWS_OPS_<KEY>}. Unknown keys and variables, and invalid values, are refused naming the key; a setting a
 * command needs but nobody gave is refused when that command asks for it, saying how to set it. Immutable.
 */
public final class Settings {
  public static final String PREFIX = "AWS_OPS_";
  /** Read by bin/aws-ops, not a setting. */
  static final String JAVA_OPTS_VARIABLE = "AWS_OPS_JAVA_OPTS";
  static final Map<String, String> DEFAULTS = defaults();
  private static final Pattern ROLE_PREFIX = Pattern.compile("[\\w+=,.@-]{1,63}");
  private static final Pattern PROFILE_PREFIX = Pattern.compile("[A-Za-z0-9_.-]{0,40}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");

  private final Path file;
  private final Map<String, String> raw;

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("idp.token-url", null);
    d.put("sso.issuer", null);
    d.put("sso.client-id", null);
    d.put("sso.client-secret", null);
    d.put("sso.scopes", "openid email");
    d.put("sso.redirect-port", "0");
    d.put("sts.region", "us-east-1");
    d.put("sts.endpoint", null);
    d.put("role-prefix", "DoiT-Support-");
    d.put("profile-prefix", "doit-");
    return java.util.Collections.unmodifiableMap(d);
  }

  private Settings(Path file, Map<String, String> raw) {
    this.file = file;
    this.raw = raw;
    // Validate every value given now: a typo is reported whatever the command.
    for (String key : raw.keySet()) {
      if (raw.get(key) != null) value(key);
    }
  }

  /** The settings file's path: {@code $XDG_CONFIG_HOME/aws-ops/config}, else {@code ~/.config/aws-ops/config}. */
  public static Path file(Map<String, String> env) {
    return Dirs.xdg(env, "XDG_CONFIG_HOME", ".config").resolve("aws-ops").resolve("config");
  }

  /** Reads the settings file (absent: defaults only) and the {@code AWS_OPS_*} variables. */
  public static Settings load(Map<String, String> env) {
    Path file = file(env);
    Map<String, String> raw = new LinkedHashMap<>(DEFAULTS);
    try {
      if (Files.exists(file)) raw.putAll(KeyValueFile.read(file, DEFAULTS.keySet()));
    } catch (ConfigException e) {
      throw new AwsOpsException(e.getMessage());
    }
    Map<String, String> byVariable = new LinkedHashMap<>();
    for (String key : DEFAULTS.keySet()) byVariable.put(KeyValueFile.variableOf(PREFIX, key), key);
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith(PREFIX) || e.getKey().equals(JAVA_OPTS_VARIABLE)) continue;
      String key = byVariable.get(e.getKey());
      if (key == null) throw new AwsOpsException(e.getKey() + ": unknown variable (the settings are listed in docs/ENGINEERS.md)");
      raw.put(key, e.getValue().strip());
    }
    return new Settings(file, raw);
  }

  /** The token listener's base URL: {@code POST <url>/token}, {@code GET <url>/roles}. */
  public URI tokenUrl() {
    return (URI) required("idp.token-url");
  }

  public URI ssoIssuer() {
    return (URI) required("sso.issuer");
  }

  public String ssoClientId() {
    return (String) required("sso.client-id");
  }

  /**
   * Only for SSOs that want one from a public client anyway (Google's "Desktop app" clients: Google does not treat
   * it as confidential). Never printed.
   */
  public Optional<String> ssoClientSecret() {
    return Optional.ofNullable((String) value("sso.client-secret"));
  }

  public List<String> ssoScopes() {
    @SuppressWarnings("unchecked")
    List<String> scopes = (List<String>) value("sso.scopes");
    return scopes;
  }

  /** 0: any free port (RFC 8252 section 7.3); else the port the SSO has registered. */
  public int ssoRedirectPort() {
    return (Integer) value("sso.redirect-port");
  }

  public String stsRegion() {
    return (String) value("sts.region");
  }

  public Optional<URI> stsEndpoint() {
    return Optional.ofNullable((URI) value("sts.endpoint"));
  }

  public String rolePrefix() {
    return (String) value("role-prefix");
  }

  public String profilePrefix() {
    return (String) value("profile-prefix");
  }

  private Object required(String key) {
    Object v = value(key);
    if (v == null) {
      throw new AwsOpsException(key + " is not set: add '" + key + " = ...' to " + file + " or set "
          + KeyValueFile.variableOf(PREFIX, key) + " (docs/ENGINEERS.md)");
    }
    return v;
  }

  private Object value(String key) {
    String v = raw.get(key);
    if (v == null || v.isEmpty()) return null;
    try {
      return switch (key) {
        case "idp.token-url", "sso.issuer", "sts.endpoint" -> url(v);
        case "sso.client-id" -> check(v, v.length() <= 255 && v.chars().noneMatch(Character::isWhitespace),
            "must be one word of at most 255 characters");
        case "sso.client-secret" -> v;
        case "sso.scopes" -> scopes(v);
        case "sso.redirect-port" -> port(v);
        case "sts.region" -> check(v, REGION.matcher(v).matches(), "must be an AWS region such as us-east-1");
        case "role-prefix" -> check(v, ROLE_PREFIX.matcher(v).matches(), "must be 1..63 characters of letters, digits and +=,.@_-");
        case "profile-prefix" -> check(v, PROFILE_PREFIX.matcher(v).matches(), "must be at most 40 letters, digits and _.-");
        default -> throw new IllegalStateException(key);
      };
    } catch (IllegalArgumentException e) {
      // The secret is the only value never echoed; the others help the engineer see the typo.
      String shown = key.equals("sso.client-secret") ? "" : " '" + v + "'";
      throw new AwsOpsException(key + shown + ": " + e.getMessage() + " (" + file + " or "
          + KeyValueFile.variableOf(PREFIX, key) + ")");
    }
  }

  private static String check(String v, boolean ok, String rule) {
    if (!ok) throw new IllegalArgumentException(rule);
    return v;
  }

  /** {@code https://}, or {@code http://} on a loopback address (tests, a local server); no query, no fragment. */
  static URI url(String v) {
    URI u;
    try {
      u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("must be a URL");
    }
    boolean loopback = u.getHost() != null && (u.getHost().equals("localhost") || u.getHost().startsWith("127.")
        || u.getHost().equals("[::1]"));
    if (u.getHost() == null || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()) && loopback)) {
      throw new IllegalArgumentException("must be an https:// URL (http:// only on a loopback address)");
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException("must have no query, fragment or user");
    }
    return u;
  }

  private static List<String> scopes(String v) {
    List<String> scopes = Arrays.stream(v.split("[\\s,]+")).filter(s -> !s.isEmpty()).distinct().toList();
    if (!scopes.contains("openid")) throw new IllegalArgumentException("must include openid (the ID token comes with it)");
    return scopes;
  }

  private static Integer port(String v) {
    try {
      int p = Integer.parseInt(v);
      if (p >= 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException("must be a port number, or 0 for any free port");
  }
}
