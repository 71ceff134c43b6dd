package com.doit.idp.cli;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.config.ConfigFile;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.RoleService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What one command works with: the configuration, the HSM, the role service, the audit log. Each is opened on first
 * use, so that {@code --help} needs nothing and {@code role trust-policy} needs no HSM. Not thread-safe.
 */
final class Session implements AutoCloseable {
  private final Environment env;
  private final Path configFile;
  private final boolean dev;
  private ConfigFile.Located located;
  private IdpConfig config;
  private RoleKeyStore store;
  private FileAuditLog audit;
  private RoleService reader;
  private RoleService changer;
  private Provisioner provisioner;

  Session(Environment env, Path configFile, boolean dev) {
    this.env = env;
    this.configFile = configFile;
    this.dev = dev;
  }

  IdpConfig config() {
    if (config == null) config = env.loadConfig(configFile().file(), dev);
    return config;
  }

  /**
   * The configuration file and how it was found: {@code --dev}'s, {@code --config}'s, {@code IDP_CONFIG}'s, the
   * default location's ({@link ConfigFile}), or none.
   */
  ConfigFile.Located configFile() {
    if (located == null) {
      if (dev) {
        Path devConf = env.home().resolve("var/dev/idp.conf");
        if (!Files.isRegularFile(devConf)) {
          throw new CliFailure("--dev: " + devConf + " does not exist; 'bin/idp-server --dev' writes it");
        }
        located = new ConfigFile.Located(Optional.of(devConf), "--dev");
      } else {
        located = ConfigFile.locate(Optional.ofNullable(configFile), env.variables(), env.defaultConfigFile());
      }
    }
    return located;
  }

  /** The process environment the configuration was read with. */
  Map<String, String> variables() {
    return env.variables();
  }

  RoleNames names() {
    return RoleNames.of(config());
  }

  Clock clock() {
    return env.clock();
  }

  Instant now() {
    return env.clock().instant();
  }

  /** {@code keys-admin:<user>}, the actor of every change in the audit log (SPEC.md "Audit log"). */
  String actor() {
    return "keys-admin:" + env.user();
  }

  RoleKeyStore store() {
    if (store == null) store = env.openStore(config());
    return store;
  }

  /** The role service for commands that only read: nothing is written to the audit log. */
  RoleService reader() {
    if (reader == null) {
      IdpConfig c = config();
      reader = new RoleService(store(), RoleService.Settings.of(c), env.clock(), new ReadOnlyAudit(), RoleNames.of(c));
    }
    return reader;
  }

  /**
   * The role service for commands that change roles. The audit log is opened before the HSM, so that a change is
   * never made that cannot be written down (SPEC.md "Audit log").
   */
  RoleService changer() {
    if (changer == null) {
      IdpConfig c = config();
      audit();
      changer = new RoleService(store(), RoleService.Settings.of(c), env.clock(), audit, RoleNames.of(c));
    }
    return changer;
  }

  /** The audit log, opened on first use (before the HSM, by {@link #changer()}). */
  AuditLog audit() {
    if (audit == null) audit = new FileAuditLog(config().audit().file());
    return audit;
  }

  /** The customer-account provisioner (docs/PROVISIONING.md), made on first use. */
  Provisioner provisioner() {
    if (provisioner == null) provisioner = env.provisioner(config());
    return provisioner;
  }

  @Override
  public void close() {
    try {
      if (provisioner instanceof AutoCloseable c) c.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the AWS clients failed", e);
    } finally {
      try {
        if (store != null) store.close();
      } finally {
        if (audit != null) audit.close();
      }
    }
  }

  /** For commands that must not change anything: a write here is a bug, not an event to lose silently. */
  private static final class ReadOnlyAudit implements AuditLog {
    @Override
    public void write(AuditEvent event) {
      throw new IllegalStateException("a read-only command tried to write the audit event " + event.event());
    }

    @Override
    public void close() {}
  }
}
