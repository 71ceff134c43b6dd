package com.doit.idp.server.lifecycle;

import com.doit.idp.audit.FileAuditLog;
import com.doit.idp.config.ConfigLoader;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.Pkcs11RoleKeyStore;
import com.doit.idp.server.IdpServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * A second server replica in its own JVM, for {@link TwoReplicasTest}: {@code ReplicaServerMain <config file>},
 * PIN from {@code IDP_HSM_PIN}, SoftHSM2 from the inherited {@code SOFTHSM2_CONF}. Wired as the in-process server is
 * ({@link ServerUnderTest}), on the system clock; it logs {@code listening name=... address=...} like the real
 * server, and stops when its standard input closes (so it never outlives the test JVM).
 */
public final class ReplicaServerMain {
  private ReplicaServerMain() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("org.jboss.logging.provider", "slf4j");
    IdpConfig config = ConfigLoader.load(Optional.of(Path.of(args[0])), System.getenv(), false);
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(config.hsm());
         FileAuditLog audit = new FileAuditLog(config.audit().file());
         IdpServer server = ServerUnderTest.start(config, store, Clock.systemUTC(), audit, Duration.ofMinutes(1))) {
      System.err.println("replica-ready public=" + server.url("public"));
      while (System.in.read() != -1) {
        // wait for the parent to close our stdin (or to die)
      }
    }
    System.exit(0);
  }
}
