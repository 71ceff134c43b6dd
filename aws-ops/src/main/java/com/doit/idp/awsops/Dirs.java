package com.doit.idp.awsops;

import java.nio.file.Path;
import java.util.Map;

/** Where aws-ops keeps things, by the XDG base directory rules. Stateless; kept small for the cache-hit path. */
final class Dirs {
  private Dirs() {}

  /** {@code $variable} when it is an absolute path (the XDG rule), else {@code $HOME/<fallback>}. */
  static Path xdg(Map<String, String> env, String variable, String fallback) {
    String v = env.get(variable);
    if (v != null && v.startsWith("/")) return Path.of(v);
    return home(env).resolve(fallback);
  }

  static Path home(Map<String, String> env) {
    String home = env.get("HOME");
    return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
  }

  /** {@code $XDG_CACHE_HOME/aws-ops}, else {@code ~/.cache/aws-ops}. */
  static Path cache(Map<String, String> env) {
    return xdg(env, "XDG_CACHE_HOME", ".cache").resolve("aws-ops");
  }
}
