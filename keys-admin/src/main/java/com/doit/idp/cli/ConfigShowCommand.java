package com.doit.idp.cli;

import com.doit.idp.config.ConfigFile;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code config show}: the effective configuration, every key in the order of docs/CONFIGURATION.md, each with where
 * its value comes from (the file and line, the {@code IDP_*} variable, or the default), and the secrets masked (the
 * HSM PIN, the admin token, the external-id secret: only where each came from). The text is itself a valid
 * configuration file: a key without a value is "not set", sources and secrets are comments. The configuration is
 * validated first, as every command does: an invalid one is a failure naming the key.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = {"Print the effective configuration: every key, its value and where it comes from (FILE:LINE,",
        "an IDP_* variable, or the default); secrets masked. The file is --config's, else IDP_CONFIG's, else",
        "/etc/aws-ops-idp/idp.conf if it exists."})
final class ConfigShowCommand extends CliCommand {
  static final String MASK = "********";
  /** Values and their comments line up in this column, unless the value is longer. */
  private static final int COLUMN = 56;

  /** A secret: what it is and where it came from, never its value. */
  record Secret(String name, boolean set, String source) {}

  @Override
  void execute() {
    Session s = session();
    IdpConfig config = s.config();
    ConfigFile.Located file = s.configFile();
    Map<String, ConfigLoader.Origin> origins = ConfigLoader.origins(file.file(), s.variables());
    List<Secret> secrets = secrets(config, origins, s.variables());
    if (json()) {
      printJson(json(file, origins, secrets));
      return;
    }
    PrintWriter out = out();
    out.println("# configuration file: " + file.file().map(Path::toString).orElse("none") + " (found by "
        + file.foundBy() + ")");
    origins.forEach((key, o) -> {
      String line = key + " = " + (o.value() == null ? "" : o.value());
      out.println(pad(line) + "# " + o.source());
    });
    out.println("# secrets, masked:");
    for (Secret secret : secrets) {
      out.println("#   " + secret.name() + ": " + (secret.set() ? MASK + " (" + secret.source() + ")" : "not set"));
    }
  }

  private static String pad(String line) {
    return line.length() + 1 >= COLUMN ? line + " " : line + " ".repeat(COLUMN - line.length());
  }

  static List<Secret> secrets(IdpConfig config, Map<String, ConfigLoader.Origin> origins, Map<String, String> env) {
    List<Secret> out = new ArrayList<>();
    String pinVariable = env.get(ConfigLoader.PIN_VARIABLE);
    boolean pinFromVariable = pinVariable != null && !pinVariable.isEmpty();
    out.add(new Secret("HSM PIN", true, pinFromVariable ? ConfigLoader.PIN_VARIABLE
        : "the file hsm.pin-file names: " + origins.get("hsm.pin-file").value()));
    out.add(new Secret("admin API token", config.admin().token().isPresent(),
        "the file admin.token-file names: " + origins.get("admin.token-file").value()));
    out.add(new Secret("external id secret", config.aws().externalIdSecret().isPresent(),
        "the file aws.external-id-secret-file names: " + origins.get("aws.external-id-secret-file").value()));
    return out;
  }

  private static Map<String, Object> json(ConfigFile.Located file, Map<String, ConfigLoader.Origin> origins,
      List<Secret> secrets) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", file.file().map(Path::toString).orElse(null));
    m.put("found_by", file.foundBy());
    List<Object> keys = new ArrayList<>();
    origins.forEach((key, o) -> {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("key", key);
      k.put("value", o.value());
      k.put("source", o.source());
      keys.add(k);
    });
    m.put("keys", keys);
    List<Object> masked = new ArrayList<>();
    for (Secret secret : secrets) {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("name", secret.name());
      k.put("value", secret.set() ? MASK : null);
      k.put("source", secret.set() ? secret.source() : null);
      masked.add(k);
    }
    m.put("secrets", masked);
    return m;
  }
}
