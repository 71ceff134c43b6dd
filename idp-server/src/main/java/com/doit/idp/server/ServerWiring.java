package com.doit.idp.server;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import java.time.Clock;

/**
 * Builds a production {@link IdpServer} from the configuration: the server plus the SSO verifier and token
 * services. Kept apart from {@link Main} so that end-to-end tests start exactly what production starts.
 */
public final class ServerWiring {
  private ServerWiring() {}

  public static IdpServer start(IdpConfig config, RoleKeyStore store, Clock clock) {
    return IdpServer.builder(config).roleKeyStore(store).clock(clock).start();
  }
}
