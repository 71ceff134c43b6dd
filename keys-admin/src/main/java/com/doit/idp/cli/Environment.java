package com.doit.idp.cli;

import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.config.ConfigFile;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleKeyStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Where {@code keys-admin} gets its configuration, its HSM, the time and the operator's name. {@link #production()}
 * reads the configuration file and the process environment and opens the PKCS#11 role key store; tests hand in a
 * fake or a SoftHSM2 store and a fixed clock (see {@link KeysAdmin#inProcess}).
 *
 * <p>Implementations need not be thread-safe: one command runs at a time. Every method may throw
 * {@link com.doit.idp.config.ConfigException} or {@link HsmException}, which the command line reports in one line.
 */
public interface Environment {

  /** Loads and validates the configuration: {@code file} if given, else the {@code IDP_*} variables alone. */
  IdpConfig loadConfig(Optional<Path> file, boolean dev);

  /** The process environment: {@code IDP_CONFIG} and the {@code IDP_*} overrides. */
  default Map<String, String> variables() {
    return System.getenv();
  }

  /** Where the configuration file is when neither {@code --config} nor {@code IDP_CONFIG} names one. */
  default Path defaultConfigFile() {
    return ConfigFile.DEFAULT;
  }

  /** The project root: {@code --dev} reads {@code <home>/var/dev/idp.conf}. */
  Path home();

  /** Opens the role key store of {@code config}; the caller closes it. */
  RoleKeyStore openStore(IdpConfig config);

  Clock clock();

  /** The operator, named in the audit log as {@code keys-admin:<user>}. */
  String user();

  /**
   * The provisioner for the customer's AWS account, for {@code role provision|deprovision|plan},
   * {@code create --provision} and {@code revoke --deprovision}; the caller closes it if it is
   * {@link AutoCloseable}. By default the real one: our AWS credentials from the SDK's default chain. Making it
   * calls nothing, so it may be made for {@code role plan} without any AWS credentials.
   */
  default Provisioner provisioner(IdpConfig config) {
    return IamProvisioner.create(config);
  }

  /**
   * The real thing: the process environment, the project root from the system property {@code idp.home} (set by
   * {@code bin/keys-admin}) or else the working directory, the system clock, the OS user.
   */
  static Environment production() {
    return new Environment() {
      @Override
      public IdpConfig loadConfig(Optional<Path> file, boolean dev) {
        return ConfigLoader.load(file, dev);
      }

      @Override
      public Path home() {
        String home = System.getProperty("idp.home");
        return Path.of(home == null || home.isBlank() ? "" : home).toAbsolutePath();
      }

      @Override
      public RoleKeyStore openStore(IdpConfig config) {
        return Stores.pkcs11(config);
      }

      @Override
      public Clock clock() {
        return Clock.systemUTC();
      }

      @Override
      public String user() {
        return System.getProperty("user.name", "unknown");
      }
    };
  }
}
