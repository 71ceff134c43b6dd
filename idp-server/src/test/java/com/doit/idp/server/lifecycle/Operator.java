package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.cli.Environment;
import com.doit.idp.cli.KeysAdmin;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.role.RoleKeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code keys-admin} run in this JVM as an operator runs it next to a server: the server's configuration, a store
 * of its own opened on the same token for each command (as a separate process would), the given clock, and the
 * operator's name for the audit log.
 */
final class Operator {
  /** One command's outcome. */
  record Run(int code, String out, String err) {
    Run succeeds() {
      assertEquals(0, code, () -> "keys-admin failed: " + err + out);
      return this;
    }
  }

  private final IdpConfig config;
  private final Clock clock;
  private final String user;

  Operator(IdpConfig config, Clock clock, String user) {
    this.config = config;
    this.clock = clock;
    this.user = user;
  }

  Run run(String... args) {
    Environment env = new Environment() {
      @Override
      public IdpConfig loadConfig(Optional<Path> file, boolean dev) {
        return config;
      }

      @Override
      public Path home() {
        return Path.of("").toAbsolutePath();
      }

      @Override
      public RoleKeyStore openStore(IdpConfig c) {
        return new Pkcs11RoleKeyStore(c.hsm());
      }

      @Override
      public Clock clock() {
        return clock;
      }

      @Override
      public String user() {
        return user;
      }
    };
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new KeysAdmin(env, new PrintWriter(out), new PrintWriter(err)).run(args);
    return new Run(code, out.toString(), err.toString());
  }
}
