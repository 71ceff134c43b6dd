package com.doit.idp.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.server.web.RequestIds;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashCommonFieldNames;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The server's logging backend, logback, configured in code from {@code log.format} and {@code log.levels}
 * (docs/CONFIGURATION.md): one line per event on stderr, either text or one JSON object (logstash-logback-encoder)
 * with {@code timestamp} (UTC), {@code level}, {@code logger}, {@code thread}, {@code message}, {@code request_id}
 * while a request is handled ({@link RequestIds#MDC_KEY} in the {@link MDC}) and {@code stack_trace} for an exception.
 *
 * <p>Undertow's, XNIO's and JBoss's loggers default to WARN (their INFO lines are start-up chatter); everything else to
 * INFO; {@code log.levels} overrides any of them, {@code ROOT} included. Log lines never carry a secret: the code logs
 * no PIN, token or key, and configuration errors name keys, not values of secrets.
 *
 * <p>{@link #configure} replaces the whole configuration; call it from one thread at start (Main, tests).
 */
public final class LogbackLogging {
  /** The text format: the one scripts and tests read ({@code listening name=<n> address=<host:port>}). */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %level %logger - %msg%n";
  static final Map<String, Level> DEFAULT_LEVELS = Map.of("io.undertow", Level.WARN, "org.xnio", Level.WARN,
      "org.jboss", Level.WARN);

  private LogbackLogging() {}

  /** Logs to stderr as {@code log} says; a no-op when slf4j is bound to another backend. */
  public static void configure(IdpConfig.Log log) {
    configure(log, System.err);
  }

  /** Logs to {@code out} (tests read it) as {@code log} says. */
  public static void configure(IdpConfig.Log log, OutputStream out) {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) configure(context, log, out);
  }

  static void configure(LoggerContext context, IdpConfig.Log log, OutputStream out) {
    context.reset();
    Encoder<ILoggingEvent> encoder = log.format() == IdpConfig.LogFormat.JSON ? json(context) : text(context);
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setName(log.format() == IdpConfig.LogFormat.JSON ? "json" : "text");
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(new NotClosed(out));
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    root.setLevel(Level.INFO);
    Map<String, Level> levels = new LinkedHashMap<>(DEFAULT_LEVELS);
    log.levels().forEach((name, level) -> levels.put(name, Level.toLevel(level.name())));
    levels.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  /**
   * The stream without its {@code close}: the next {@link #configure} stops this appender, which closes its stream,
   * and closing {@code System.err} would close file descriptor 2 for the whole process (every later line lost).
   */
  private static final class NotClosed extends FilterOutputStream {
    NotClosed(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(TEXT_PATTERN);
    e.start();
    return e;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    LogstashEncoder e = new LogstashEncoder();
    e.setContext(context);
    e.setTimeZone("UTC");
    e.setIncludeContext(false);
    e.setIncludeMdcKeyNames(List.of(RequestIds.MDC_KEY));
    e.getFieldNames().setTimestamp("timestamp");
    e.getFieldNames().setVersion(LogstashCommonFieldNames.IGNORE_FIELD_INDICATOR);
    e.getFieldNames().setLevelValue(LogstashCommonFieldNames.IGNORE_FIELD_INDICATOR);
    e.getFieldNames().setLogger("logger");
    e.getFieldNames().setThread("thread");
    e.getFieldNames().setStackTrace("stack_trace");
    e.start();
    return e;
  }
}
