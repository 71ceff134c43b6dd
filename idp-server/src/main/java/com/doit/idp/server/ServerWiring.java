package com.doit.idp.server;

import com.doit.idp.aws.IamProvisioner;
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
    // The provisioner lives as long as the process: it holds no thread, and no connection between calls.
    return IdpServer.builder(config).roleKeyStore(store).clock(clock).provisioner(IamProvisioner.create(config)).start();
  }
}
