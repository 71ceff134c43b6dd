package com.doit.idp.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;
import com.doit.idp.config.IdpConfig;
import java.util.Map;

/**
 * Logback's configuration from the first log line until {@code Main} has read {@code log.*}, and for every other
 * program and test that runs with the server's jar (check-token, keys-admin until it quiets itself, tests): text on
 * stderr at the server's default levels. Without it logback would print every DEBUG line to stdout. Found by logback
 * through {@code META-INF/services}; instantiated once by logback.
 */
public final class LogbackDefaults extends ContextAwareBase implements Configurator {
  public LogbackDefaults() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    LogbackLogging.configure(context, new IdpConfig.Log(IdpConfig.LogFormat.TEXT, Map.of()), System.err);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
