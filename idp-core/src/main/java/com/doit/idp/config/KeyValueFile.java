package com.doit.idp.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The project's settings file form, shared by the server's configuration and the engineers' command line: one
 * {@code key = value} a line, {@code #} starts a comment, blank lines ignored; each key known and given once.
 * Overrides come from environment variables named {@code <PREFIX>} + the key in upper case with dots and dashes as
 * underscores. Stateless.
 */
public final class KeyValueFile {
  private KeyValueFile() {}

  /**
   * The file's keys and values, in file order.
   *
   * @throws ConfigException naming the file and line of a malformed line, an unknown or repeated key, or an
   *     unreadable file (never a value: values may be secrets)
   */
  public static Map<String, String> read(Path file, Set<String> knownKeys) {
    Map<String, String> out = new LinkedHashMap<>();
    readLines(file, knownKeys).forEach((k, line) -> out.put(k, line.value()));
    return out;
  }

  /** A value and the number of its line (from 1). */
  public record Line(String value, int number) {}

  /** As {@link #read}, with the line of each value (for {@code keys-admin config show}). */
  public static Map<String, Line> readLines(Path file, Set<String> knownKeys) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the configuration file (" + e.getClass().getSimpleName() + ")");
    }
    Map<String, Line> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) line = line.substring(0, hash);
      line = line.strip();
      if (line.isEmpty()) continue;
      int eq = line.indexOf('=');
      String where = file + ":" + (i + 1);
      if (eq <= 0) throw new ConfigException(where + ": expected 'key = value'");
      String key = line.substring(0, eq).strip();
      if (!knownKeys.contains(key)) throw new ConfigException(where + ": " + key + ": unknown key");
      if (out.containsKey(key)) throw new ConfigException(where + ": " + key + ": given twice");
      out.put(key, new Line(line.substring(eq + 1).strip(), i + 1));
    }
    return out;
  }

  /** {@code ("IDP_", "sso.allowed-domains")} -> {@code IDP_SSO_ALLOWED_DOMAINS}. */
  public static String variableOf(String prefix, String key) {
    return prefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
