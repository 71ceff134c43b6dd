package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.MutableClock;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's authentication against a real SoftHSM2 token (SPEC.md "Management": a missing or wrong token gets
 * {@code 401 {"error": "unauthorized"}}). What {@code ManagementTest} does not already prove: every call, including
 * those on an existing role (extend changes no key count, so only the labels show it), leaves the token's objects
 * and labels exactly as they were and writes no audit line; and the same calls with the right token do act.
 */
class AdminApiOnTheTokenTest {
  @TempDir Path dir;

  @Test
  void everyAdminCallWithNoOrAWrongTokenGets401AndLeavesTheTokenAsItWasAndWithTheRightTokenActs() {
    MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    String account = SoftHsmToken.uniqueAccount();
    RoleId role = new RoleId(account, "ada");
    String path = "/admin/roles/" + account + "/ada";
    String[][] calls = {
        {"GET", "/admin/roles", null},
        {"POST", "/admin/roles", "{\"account\":\"" + account + "\",\"engineer\":\"bea\"}"},
        {"GET", path, null},
        {"POST", path + "/extend", "{\"ttl\":\"5h\"}"},
        {"POST", path + "/rotate", null},
        {"DELETE", path, null},
    };
    List<String> wrong = new ArrayList<>(Arrays.asList(null, "Bearer wrong-token-0123456789abcdef",
        "Bearer " + LifecycleServer.ADMIN_TOKEN.toUpperCase(), "Bearer " + LifecycleServer.ADMIN_TOKEN + "0",
        "Bearer" + LifecycleServer.ADMIN_TOKEN, "Basic " + LifecycleServer.ADMIN_TOKEN, LifecycleServer.ADMIN_TOKEN));
    try (LifecycleServer s = new LifecycleServer(dir, SoftHsmToken.shared(), SharedSso.get(), clock, Map.of())) {
      s.create(role, "1h");
      Map<String, String> before = s.labelsOnToken(account);
      int auditLines = s.auditLines().size();
      for (String[] c : calls) {
        for (String auth : wrong) {
          URI uri = s.url("management", c[1]);
          HttpResponse<String> r = LifecycleServer.send(s.http, LifecycleServer.adminRequest(uri, c[0], c[2], auth));
          String what = c[0] + " " + c[1] + " with " + (auth == null ? "no token" : "wrong token #" + wrong.indexOf(auth));
          assertEquals(401, r.statusCode(), what + ": " + r.body());
          assertEquals("{\"error\":\"unauthorized\"}", r.body(), what);
          assertEquals("no-store", LifecycleServer.header(r, "Cache-Control"), what);
          assertEquals(before, s.labelsOnToken(account), what + " changed the token");
        }
      }
      assertEquals(auditLines, s.auditLines().size(), "no audit line for a refused call");

      // The right token: each call acts, and the token shows it.
      int[] expected = {200, 201, 200, 200, 200, 200};
      for (int i = 0; i < calls.length; i++) {
        String[] c = calls[i];
        Map<String, String> was = s.labelsOnToken(account);
        HttpResponse<String> r = s.admin(c[0], c[1], c[2]);
        assertEquals(expected[i], r.statusCode(), c[0] + " " + c[1] + ": " + r.body());
        Map<String, String> now = s.labelsOnToken(account);
        if (c[0].equals("GET")) {
          assertEquals(was, now, c[0] + " " + c[1] + " changes nothing");
        } else {
          assertNotEquals(was, now, c[0] + " " + c[1] + " acts on the token");
        }
      }
      // Left: bea's key only (ada was extended, rotated, then revoked).
      assertEquals(1, s.labelsOnToken(account).size());
      assertEquals(List.of(), s.kidsOnToken(role));
    }
  }
}
