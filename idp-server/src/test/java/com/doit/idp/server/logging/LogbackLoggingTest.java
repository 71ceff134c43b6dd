package com.doit.idp.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.server.TestServer;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's log through logback as {@code log.format} and {@code log.levels} configure it, read from a real
 * server's requests: JSON lines with timestamp, level, logger, message and the request id of the request they are
 * about; text lines in the form scripts read; levels per logger; no secret.
 */
class LogbackLoggingTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private TestServer t;

  @AfterEach
  void restore() {
    if (t != null) t.close();
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.TEXT, Map.of()));
  }

  /** A server whose readiness fails, so that GET /readyz logs a warning on a worker thread during a request. */
  private String notReady() {
    t = TestServer.start(dir, Map.of(), () -> false);
    HttpResponse<String> r = t.get("management", "/readyz", "Authorization", "Bearer " + TestServer.ADMIN_TOKEN);
    assertEquals(503, r.statusCode(), r.body());
    t.close();
    t = null;
    return r.headers().firstValue("X-Request-Id").orElseThrow();
  }

  private List<String> lines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void jsonIsOneObjectPerLineWithTheRequestIdOfTheRequest() throws ParseException {
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.JSON, Map.of()), out);
    String requestId = notReady();

    List<Map<String, Object>> events = new ArrayList<>();
    for (String line : lines()) events.add(JSONObjectUtils.parse(line));
    assertFalse(events.isEmpty());
    for (Map<String, Object> e : events) {
      Instant.parse((String) e.get("timestamp"));
      assertTrue(((String) e.get("timestamp")).endsWith("Z"), e.toString());
      assertTrue(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(e.get("level")), e.toString());
      assertTrue(e.get("logger") instanceof String && e.get("message") instanceof String, e.toString());
    }
    Map<String, Object> listening = events.stream()
        .filter(e -> ((String) e.get("message")).startsWith("listening name=public address=127.0.0.1:")).findFirst()
        .orElseThrow(() -> new AssertionError(lines()));
    assertEquals("com.doit.idp.server.IdpServer", listening.get("logger"));
    assertFalse(listening.containsKey("request_id"), "no request: no request id");
    Map<String, Object> unavailable = events.stream()
        .filter(e -> ((String) e.get("message")).startsWith("unavailable ")).findFirst()
        .orElseThrow(() -> new AssertionError(lines()));
    assertEquals("WARN", unavailable.get("level"));
    assertEquals(requestId, unavailable.get("request_id"));
    assertFalse(out.toString(StandardCharsets.UTF_8).contains(TestServer.ADMIN_TOKEN));
  }

  @Test
  void textLinesAreTheFormScriptsRead() {
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.TEXT, Map.of()), out);
    notReady();
    assertTrue(lines().stream().anyMatch(l -> l.matches(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO com\\.doit\\.idp\\.server\\.IdpServer - "
            + "listening name=token address=127\\.0\\.0\\.1:\\d+")), lines().toString());
    assertTrue(lines().stream().anyMatch(l -> l.contains(" WARN com.doit.idp.server.web.ErrorMapping - unavailable ")),
        lines().toString());
    assertTrue(lines().stream().noneMatch(l -> l.contains(" INFO io.undertow")), "Undertow's INFO chatter is off");
  }

  @Test
  void levelsPerLoggerSilenceOrOpenOneLogger() {
    // everything at WARN but for one logger opened to INFO, and one silenced below its warnings
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.TEXT, Map.of(
        "ROOT", IdpConfig.LogLevel.WARN,
        "com.doit.idp.server.IdpServer", IdpConfig.LogLevel.INFO,
        "com.doit.idp.server.web.ErrorMapping", IdpConfig.LogLevel.ERROR)), out);
    notReady();
    assertTrue(lines().stream().noneMatch(l -> l.contains("ErrorMapping")), lines().toString());
    assertTrue(lines().stream().anyMatch(l -> l.contains("listening name=public")), "the opened logger logs INFO");
    // Readiness logs hsm-up at INFO when it starts (see the default configuration's output): ROOT=warn hides it
    assertTrue(lines().stream().noneMatch(l -> l.contains(" INFO com.doit.idp.server.health")), lines().toString());
  }

  @Test
  void reconfiguringNeverClosesTheStreamOfTheLastConfiguration() {
    // Main reconfigures what LogbackDefaults set up on System.err: closing it would close the process's stderr.
    boolean[] closed = {false};
    java.io.OutputStream first = new java.io.ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.TEXT, Map.of()), first);
    LogbackLogging.configure(new IdpConfig.Log(IdpConfig.LogFormat.JSON, Map.of()), out);
    assertFalse(closed[0], "the first stream was closed");
  }
}
