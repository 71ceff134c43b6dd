package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stop behind a load balancer, with the real server in its own JVM (issue 13): on SIGTERM {@code /readyz}
 * turns 503 at once, so the balancer takes the replica out; the server keeps serving for
 * {@code http.shutdown-delay} while the balancer notices; then it drains and exits with the signal's status.
 *
 * <p>The waits bound liveness around a delay of 8 s (an answer within seconds, on however busy a machine); they
 * measure nothing.
 */
class GracefulStopTest {
  static final String ADMIN_TOKEN = "graceful-admin-token-0123456789abcdef";
  static final Duration DELAY = Duration.ofSeconds(8);

  @TempDir Path dir;

  @Test
  void onSigtermReadinessFailsAtOnceRequestsAreServedDuringTheDelayThenTheServerDrainsAndExits() throws Exception {
    SsoTestIssuer sso = SharedSso.get();
    HttpClient http = LifecycleServer.client();
    try (ServerProcess server = ServerProcess.start("stopping", dir, SoftHsmToken.shared(), sso, ADMIN_TOKEN,
        Map.of("http.shutdown-delay", DELAY.toSeconds() + "s"), List.of())) {
      RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "gus");
      HttpResponse<String> created = LifecycleServer.send(http, LifecycleServer.adminRequest(
          server.url("management", "/admin/roles"), "POST",
          "{\"account\":\"" + role.account() + "\",\"engineer\":\"gus\",\"ttl\":\"1h\"}", "Bearer " + ADMIN_TOKEN));
      assertEquals(201, created.statusCode(), created.body());
      HttpRequest jwks = HttpRequest.newBuilder(server.url("public", "/" + role.account() + "/gus/jwks.json")).build();
      HttpRequest readyz = HttpRequest.newBuilder(server.url("management", "/readyz")).build();
      assertEquals(200, LifecycleServer.send(http, readyz).statusCode());

      server.terminate();
      HttpResponse<String> notReady = Poll.until(Duration.ofSeconds(3), "/readyz 503 after SIGTERM",
          () -> LifecycleServer.send(http, readyz), r -> r.statusCode() == 503);
      assertEquals("not_ready", LifecycleServer.json(notReady).get("error"));
      assertEquals("the server is stopping", LifecycleServer.json(notReady).get("error_description"));

      // within the delay: still serving, on new connections, each answer closing its connection
      HttpResponse<String> served = LifecycleServer.send(LifecycleServer.client(), jwks);
      assertEquals(200, served.statusCode(), served.body());
      assertEquals("close", LifecycleServer.header(served, "Connection"));
      HttpResponse<String> token = LifecycleServer.exchange(http, server.url("token", "/token"),
          "arn:aws:iam::" + role.account() + ":role/DoiT-Support-gus",
          sso.idToken("gus@" + SsoTestIssuer.DOMAIN));
      assertEquals(200, token.statusCode(), token.body());
      assertTrue(server.isAlive(), "still running during the delay");

      int exit = server.awaitExit(DELAY.plusSeconds(30));
      server.printOutput();
      assertEquals(143, exit, "exits with SIGTERM's status after the graceful stop");
      List<String> out = server.output();
      assertTrue(out.stream().anyMatch(l -> l.contains("stopping: not ready, serving for 8000 ms more")), "delay");
      assertTrue(out.stream().anyMatch(l -> l.contains("IdpServer - stopped")), "drained and stopped");
      assertTrue(out.stream().noneMatch(l -> l.contains("shutdown-timeout")), "nothing was left in flight");
    }
  }
}
