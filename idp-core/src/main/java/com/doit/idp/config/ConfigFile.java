package com.doit.idp.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Which configuration file the server and {@code keys-admin} read when the command line names none: the file named
 * by {@code IDP_CONFIG}, else {@code /etc/aws-ops-idp/idp.conf} when it exists, else none (the {@code IDP_*}
 * variables alone). {@code --config FILE} always wins; {@code --dev} has its own file and does not look. Stateless.
 */
public final class ConfigFile {
  /** The variable that names the file. */
  public static final String VARIABLE = "IDP_CONFIG";
  /** Where a package or image installs it. */
  public static final Path DEFAULT = Path.of("/etc/aws-ops-idp/idp.conf");

  private ConfigFile() {}

  /** The file, if any, and how it was found ({@code --config}, {@code IDP_CONFIG}, the default location, none). */
  public record Located(Optional<Path> file, String foundBy) {}

  /**
   * @param given the file of {@code --config}, if any
   * @param defaultFile {@link #DEFAULT}, or another place in tests
   * @throws ConfigException when {@code IDP_CONFIG} names something that is not a file
   */
  public static Located locate(Optional<Path> given, Map<String, String> env, Path defaultFile) {
    if (given.isPresent()) return new Located(given, "--config");
    String named = env.get(VARIABLE);
    if (named != null && !named.isBlank()) {
      Path p = Path.of(named.strip());
      if (!Files.isRegularFile(p)) throw new ConfigException(VARIABLE + ": " + p + " is not a file");
      return new Located(Optional.of(p), VARIABLE);
    }
    if (Files.isRegularFile(defaultFile)) return new Located(Optional.of(defaultFile), "the default location");
    return new Located(Optional.empty(), "none: no --config, no " + VARIABLE + ", no " + defaultFile);
  }
}
