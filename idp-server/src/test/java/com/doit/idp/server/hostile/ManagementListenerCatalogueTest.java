package com.doit.idp.server.hostile;

import static com.doit.idp.server.hostile.Catalogue.Listener.MANAGEMENT;
import static com.doit.idp.server.hostile.Catalogue.get;
import static com.doit.idp.server.hostile.Catalogue.headers;
import static com.doit.idp.server.hostile.Catalogue.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The management listener under hostile requests: every admin call without the bearer token, with a wrong one,
 * a near miss, another scheme, or two of them; admin bodies that are not JSON objects, name malformed roles, ask
 * for too long a grant or an algorithm we do not offer, are too big or too deep; paths that traverse or encode;
 * methods the health and metrics endpoints do not take. No refused call may touch the HSM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementListenerCatalogueTest {
  static final String ACCOUNT = "123456789012";
  static final String ROLE = "/admin/roles/" + ACCOUNT + "/alice";
  IdpUnderTest idp;
  Catalogue catalogue;

  @BeforeAll
  void start() {
    idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of());
    idp.createRole(ACCOUNT, "alice", SigningAlgorithm.RS256);
    idp.createRole(ACCOUNT, "rotating", SigningAlgorithm.ES256);
    idp.rotate(ACCOUNT, "rotating");
    catalogue = build();
  }

  @AfterAll
  void stop() {
    System.out.println("management listener catalogue: " + catalogue.counts());
    idp.close();
  }

  private static final Consumer<RawHttp.Response> CHALLENGE =
      r -> assertTrue(String.valueOf(r.header("www-authenticate")).startsWith("Bearer"), r.toString());

  private static byte[] admin(String method, String target, String contentType, String body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + IdpUnderTest.ADMIN_TOKEN);
    if (contentType != null) h.put("Content-Type", contentType);
    return req(method, target, h, body);
  }

  private static byte[] json(String method, String target, String body) {
    return admin(method, target, "application/json", body);
  }

  private Catalogue build() {
    Catalogue c = new Catalogue(idp);
    String token = IdpUnderTest.ADMIN_TOKEN;
    String create = "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\"}";
    // ---- the bearer token, on every admin call
    Map<String, String[]> calls = new LinkedHashMap<>();
    calls.put("GET|POST /admin/roles", new String[] {"GET", "/admin/roles", ""});
    calls.put("GET|POST /admin/roles ", new String[] {"POST", "/admin/roles", create});
    calls.put("GET|DELETE /admin/roles/<account>/<engineer>", new String[] {"GET", ROLE, ""});
    calls.put("GET|DELETE /admin/roles/<account>/<engineer> ", new String[] {"DELETE", ROLE, ""});
    calls.put("POST /admin/roles/<account>/<engineer>/extend", new String[] {"POST", ROLE + "/extend",
        "{\"ttl\":\"30d\"}"});
    calls.put("POST /admin/roles/<account>/<engineer>/rotate", new String[] {"POST", ROLE + "/rotate", ""});
    Map<String, String> auth = new LinkedHashMap<>();
    auth.put("no Authorization", null);
    auth.put("a wrong token", "Bearer wrong-token-wrong-token-wrong");
    auth.put("the right token under Basic", "Basic " + token);
    auth.put("the token's first half", "Bearer " + token.substring(0, token.length() / 2));
    auth.put("the token and one more character", "Bearer " + token + "x");
    auth.put("the token in upper case", "Bearer " + token.toUpperCase());
    auth.put("an empty Bearer", "Bearer ");
    auth.put("the token without a scheme", token);
    for (var call : calls.entrySet()) {
      String ep = call.getKey().strip();
      String[] m = call.getValue();
      for (var a : auth.entrySet()) {
        Map<String, String> h = new LinkedHashMap<>();
        if (a.getValue() != null) h.put("Authorization", a.getValue());
        if (!m[2].isEmpty()) h.put("Content-Type", "application/json");
        c.add(MANAGEMENT, ep, m[0] + " with " + a.getKey(), req(m[0], m[1], h, m[2]), 401, "unauthorized", false,
            CHALLENGE);
      }
      c.add(MANAGEMENT, ep, m[0] + " with the token in the query string",
          req(m[0], m[1] + "?access_token=" + token, m[2].isEmpty() ? Map.of() : headers("Content-Type",
              "application/json"), m[2]), m[0].equals("DELETE") ? 401 : 401, "unauthorized", false, CHALLENGE);
      c.add(MANAGEMENT, ep, m[0] + " with two Authorization headers", (m[0] + " " + m[1] + " HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer wrong\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + m[2].length() + "\r\nConnection: close\r\n\r\n" + m[2])
          .getBytes(StandardCharsets.ISO_8859_1), 401, "unauthorized", false, CHALLENGE);
    }
    // ---- POST /admin/roles bodies
    String ep = "GET|POST /admin/roles";
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("malformed JSON", "{\"account\":");
    bad.put("a JSON array", "[\"" + ACCOUNT + "\",\"mallory\"]");
    bad.put("a JSON string", "\"" + ACCOUNT + "/mallory\"");
    bad.put("JSON null", "null");
    bad.put("an empty object", "{}");
    bad.put("no engineer", "{\"account\":\"" + ACCOUNT + "\"}");
    bad.put("account of 11 digits", "{\"account\":\"12345678901\",\"engineer\":\"mallory\"}");
    bad.put("account as a number", "{\"account\":123456789012,\"engineer\":\"mallory\"}");
    bad.put("account with a slash", "{\"account\":\"123456789012/x\",\"engineer\":\"mallory\"}");
    bad.put("engineer in upper case", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"Mallory\"}");
    bad.put("engineer non-ASCII", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mall\\u00f6ry\"}");
    bad.put("engineer with a NUL", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mal\\u0000lory\"}");
    bad.put("engineer traversing", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"../alice\"}");
    bad.put("engineer with a space (HSM label injection)", "{\"account\":\"" + ACCOUNT
        + "\",\"engineer\":\"x RS256 0 - 99999999999\"}");
    bad.put("engineer of 52 characters", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"" + "m".repeat(52) + "\"}");
    bad.put("engineer as a list", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":[\"mallory\"]}");
    bad.put("an unknown field", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"admin\":true}");
    bad.put("ttl not a duration", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":\"forever\"}");
    bad.put("ttl over roles.max-ttl", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":\"31d\"}");
    bad.put("ttl of zero", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":\"0s\"}");
    bad.put("ttl negative", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":\"-1h\"}");
    bad.put("ttl as a huge number", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":1e400}");
    bad.put("ttl of 10 digits", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"ttl\":\"9999999999d\"}");
    bad.put("algorithm HS256", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"algorithm\":\"HS256\"}");
    bad.put("algorithm none", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"algorithm\":\"none\"}");
    bad.put("algorithm PS256", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"algorithm\":\"PS256\"}");
    bad.put("provision not configured", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"provision\":true}");
    bad.put("provision as a string", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"provision\":\"yes\"}");
    bad.put("a duplicate key smuggling a bad account", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\","
        + "\"account\":\"1\"}");
    bad.put("7,000 nested arrays", "{\"account\":" + "[".repeat(7000) + "]".repeat(7000) + "}");
    bad.put("2,500 nested objects", "{\"a\":".repeat(2500) + "1" + "}".repeat(2500));
    bad.put("trailing garbage after the object", create + "x");
    bad.put("invalid UTF-8", "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"\u00ff\"}");
    for (var b : bad.entrySet()) {
      byte[] body = b.getKey().equals("invalid UTF-8")
          ? withBody("POST", "/admin/roles", "application/json", b.getValue().getBytes(StandardCharsets.ISO_8859_1))
          : json("POST", "/admin/roles", b.getValue());
      c.add(MANAGEMENT, ep, "POST " + b.getKey(), body, 400, "invalid_request");
    }
    c.add(MANAGEMENT, ep, "POST a role that exists", json("POST", "/admin/roles",
        "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"alice\"}"), 409, "conflict");
    c.add(MANAGEMENT, ep, "POST as text/plain", admin("POST", "/admin/roles", "text/plain", create), 400,
        "invalid_request");
    c.add(MANAGEMENT, ep, "POST as a form", admin("POST", "/admin/roles", "application/x-www-form-urlencoded",
        "account=" + ACCOUNT + "&engineer=mallory"), 400, "invalid_request");
    c.add(MANAGEMENT, ep, "POST over http.max-body", json("POST", "/admin/roles",
        "{\"account\":\"" + ACCOUNT + "\",\"engineer\":\"mallory\",\"pad\":\"" + "p".repeat(17 * 1024) + "\"}"),
        413, "invalid_request");
    for (String m : List.of("PUT", "DELETE", "PATCH")) {
      c.add(MANAGEMENT, ep, m + " /admin/roles", admin(m, "/admin/roles", null, ""), 405, "method_not_allowed");
    }
    // ---- one role
    String one = "GET|DELETE /admin/roles/<account>/<engineer>";
    for (String p : List.of("/admin/roles/12345678901/alice", "/admin/roles/" + ACCOUNT + "/Alice",
        "/admin/roles/" + ACCOUNT + "/nobody", "/admin/roles/" + ACCOUNT + "/" + "a".repeat(52),
        "/admin/roles/" + ACCOUNT + "/..", "/admin/roles/" + ACCOUNT + "/alice%2F..%2Fbob",
        "/admin/roles/" + ACCOUNT + "%2Falice", "/admin/roles/" + ACCOUNT + "/alic%C3%A9",
        "/admin/roles/" + ACCOUNT + "/alice/", "/admin/roles/" + ACCOUNT + "/alice/keys")) {
      for (String m : List.of("GET", "DELETE")) {
        c.add(MANAGEMENT, one, m + " " + p, admin(m, p, null, ""), 404, "not_found");
      }
    }
    c.add(MANAGEMENT, one, "DELETE with deprovision=maybe", admin("DELETE", ROLE + "?deprovision=maybe", null, ""),
        400, "invalid_request");
    c.add(MANAGEMENT, one, "DELETE with deprovision=true while provisioning is off",
        admin("DELETE", ROLE + "?deprovision=true", null, ""), 400, "invalid_request");
    c.add(MANAGEMENT, one, "DELETE with deprovision repeated",
        admin("DELETE", ROLE + "?deprovision=false&deprovision=false", null, ""), 400, "invalid_request");
    c.add(MANAGEMENT, one, "DELETE with an unknown query parameter", admin("DELETE", ROLE + "?force=1", null, ""),
        400, "invalid_request");
    for (String m : List.of("POST", "PUT", "PATCH")) {
      c.add(MANAGEMENT, one, m + " on a role", admin(m, ROLE, null, ""), 405, "method_not_allowed");
    }
    // ---- extend and rotate
    String ext = "POST /admin/roles/<account>/<engineer>/extend";
    c.add(MANAGEMENT, ext, "no body", admin("POST", ROLE + "/extend", null, ""), 400, "invalid_request");
    c.add(MANAGEMENT, ext, "ttl over roles.max-ttl", json("POST", ROLE + "/extend", "{\"ttl\":\"31d\"}"), 400,
        "invalid_request");
    c.add(MANAGEMENT, ext, "ttl not a duration", json("POST", ROLE + "/extend", "{\"ttl\":\"P1D\"}"), 400,
        "invalid_request");
    c.add(MANAGEMENT, ext, "an unknown field", json("POST", ROLE + "/extend", "{\"ttl\":\"1h\",\"engineer\":\"bob\"}"),
        400, "invalid_request");
    c.add(MANAGEMENT, ext, "malformed JSON", json("POST", ROLE + "/extend", "{\"ttl\""), 400, "invalid_request");
    c.add(MANAGEMENT, ext, "an unknown role", json("POST", "/admin/roles/" + ACCOUNT + "/nobody/extend",
        "{\"ttl\":\"1h\"}"), 404, "not_found");
    c.add(MANAGEMENT, ext, "a malformed role", json("POST", "/admin/roles/1/alice/extend", "{\"ttl\":\"1h\"}"), 404,
        "not_found");
    c.add(MANAGEMENT, ext, "GET", admin("GET", ROLE + "/extend", null, ""), 405, "method_not_allowed");
    String rot = "POST /admin/roles/<account>/<engineer>/rotate";
    c.add(MANAGEMENT, rot, "an unknown role", admin("POST", "/admin/roles/" + ACCOUNT + "/nobody/rotate", null, ""),
        404, "not_found");
    c.add(MANAGEMENT, rot, "a malformed role", admin("POST", "/admin/roles/x/y/rotate", null, ""), 404, "not_found");
    c.add(MANAGEMENT, rot, "a role already rotating", admin("POST", "/admin/roles/" + ACCOUNT + "/rotating/rotate",
        null, ""), 409, "conflict");
    c.add(MANAGEMENT, rot, "GET", admin("GET", ROLE + "/rotate", null, ""), 405, "method_not_allowed");
    // ---- health and metrics
    for (String p : List.of("/healthz", "/readyz", "/metrics")) {
      for (String m : List.of("POST", "PUT", "DELETE")) {
        c.add(MANAGEMENT, "GET " + p, m + " " + p, req(m, p), 405, "method_not_allowed", false,
            r -> assertEquals("GET", r.header("allow")));
      }
      c.add(MANAGEMENT, "GET " + p, p + " with a trailing slash", get(p + "/"), 404, "not_found");
      c.add(MANAGEMENT, "GET " + p, p + " with a query string is still served", get(p + "?x=" + "y".repeat(100)),
          p.equals("/readyz") ? 200 : 200, null);
    }
    // ---- everything else
    String other = "other paths on the management listener";
    for (String p : List.of("/", "/admin", "/admin/", "/admin/roles/", "/admin/roles/" + ACCOUNT,
        "/admin/roles/" + ACCOUNT + "/alice/extend/x", "/admin/roles/../healthz", "/admin/%72oles",
        "/token", "/roles", "/" + ACCOUNT + "/alice/jwks.json", "/.well-known/openid-configuration")) {
      c.add(MANAGEMENT, other, "GET " + p, admin("GET", p, null, ""), 404, "not_found");
    }
    return c;
  }

  private static byte[] withBody(String method, String target, String contentType, byte[] body) {
    return RawHttp.request(method, target, headers("Authorization", "Bearer " + IdpUnderTest.ADMIN_TOKEN,
        "Content-Type", contentType), body);
  }

  @TestFactory
  Stream<DynamicTest> everyHostileRequestGetsItsExactAnswerAndLeavesTheServerHealthy() {
    return catalogue.testsThenHealth();
  }
}
