package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenApiContract} can fail: it refuses what the document does not allow, and the document itself holds
 * together (OpenAPI 3.1, every {@code $ref} resolves, every operation has an id and its errors).
 */
class OpenApiContractTest {
  static final String JWKS = "/123456789012/alice/jwks.json";
  static final String KID = "a".repeat(43);
  static final Map<String, List<String>> PUBLIC_HEADERS = Map.of("Content-Type", List.of("application/json"),
      "Cache-Control", List.of("public, max-age=300"), "ETag", List.of("\"abc\""),
      "X-Request-Id", List.of("0123456789abcdef01234567"));

  static String jwk(String extra) {
    return "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"" + KID + "\",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\","
        + "\"x\":\"" + KID + "\",\"y\":\"" + KID + "\"" + extra + "}]}";
  }

  @Test
  void aResponseTheDocumentAllowsPasses() {
    assertDoesNotThrow(() -> OpenApiContract.check(1, "GET", JWKS, 200, PUBLIC_HEADERS, jwk("")));
    assertDoesNotThrow(() -> OpenApiContract.check(1, "GET", JWKS, 404, Map.of("Content-Type",
        List.of("application/json"), "Cache-Control", List.of("no-store")), "{\"error\":\"not_found\"}"));
  }

  @Test
  void whatTheDocumentDoesNotAllowFails() {
    AssertionError privateMember = assertThrows(AssertionError.class,
        () -> OpenApiContract.check(1, "GET", JWKS, 200, PUBLIC_HEADERS, jwk(",\"d\":\"secret\"")));
    assertTrue(privateMember.getMessage().contains("body: "), privateMember.getMessage());
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, "GET", JWKS, 418, PUBLIC_HEADERS, jwk("")),
        "a status the operation does not list");
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, "GET", JWKS, 200,
        Map.of("Content-Type", List.of("application/json"), "Cache-Control", List.of("public, max-age=300")), jwk("")),
        "no ETag");
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, "GET", JWKS, 200, Map.of("Content-Type",
        List.of("application/json"), "Cache-Control", List.of("no-cache"), "ETag", List.of("\"abc\""),
        "X-Request-Id", List.of("0123456789abcdef01234567")), jwk("")), "a Cache-Control STS refetches on");
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, "GET", JWKS, 200,
        Map.of("Content-Type", List.of("text/html"), "Cache-Control", List.of("public, max-age=300"),
            "ETag", List.of("\"abc\""), "X-Request-Id", List.of("0123456789abcdef01234567")), jwk("")),
        "another content type");
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, "POST", "/token", 400,
        Map.of("Content-Type", List.of("application/json"), "Cache-Control", List.of("no-store")),
        "{\"error\":\"not_found\"}"), "an error code the token endpoint does not answer with 400");
  }

  @Test
  void anUndocumentedPathOrMethodIsNotHeldToTheDocument() {
    assertDoesNotThrow(() -> OpenApiContract.check(1, "GET", "/nowhere", 404, Map.of(), "x"));
    assertDoesNotThrow(() -> OpenApiContract.check(1, "PUT", JWKS, 405, Map.of(), "x"));
  }

  @Test
  void aPathIsLookedUpOnTheListenerThatAnswered() {
    Map<String, List<String>> notFound = Map.of("Content-Type", List.of("application/json"),
        "Cache-Control", List.of("no-store"));
    OpenApiContract.register(65_001, "public");
    OpenApiContract.register(65_002, "management");
    assertDoesNotThrow(() -> OpenApiContract.check(65_001, "GET", "/healthz", 404, notFound,
        "{\"error\":\"not_found\"}"), "no /healthz on the public listener");
    assertThrows(AssertionError.class, () -> OpenApiContract.check(65_002, "GET", "/healthz", 404, notFound,
        "{\"error\":\"not_found\"}"), "/healthz is on the management listener and never 404");
  }

  @Test
  void rawRequestsAreReadFromTheirRequestLine() {
    byte[] jwks = "GET /123456789012/alice/jwks.json?x=1 HTTP/1.1\r\nHost: h\r\n\r\n".getBytes();
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, jwks, 418, PUBLIC_HEADERS, jwk("")));
    byte[] absolute = "GET http://h:1/123456789012/alice/jwks.json HTTP/1.1\r\n\r\n".getBytes();
    assertThrows(AssertionError.class, () -> OpenApiContract.check(1, absolute, 418, PUBLIC_HEADERS, jwk("")));
    assertDoesNotThrow(() -> OpenApiContract.check(1, jwks, 200, PUBLIC_HEADERS, jwk("")));
    assertDoesNotThrow(() -> OpenApiContract.check(1, "GARBAGE\r\n".getBytes(), 400, Map.of(), ""));
  }

  @Test
  void theDocumentIsOpenApi31AndEveryReferenceResolves() throws Exception {
    JsonNode api = new YAMLMapper().readTree(ProjectFiles.read("docs/openapi.yaml"));
    assertEquals("3.1.0", api.get("openapi").asText());
    List<String> refs = new ArrayList<>();
    collectRefs(api, refs);
    assertTrue(refs.size() > 50, "refs: " + refs.size());
    for (String ref : refs) {
      assertTrue(ref.startsWith("#/") && !api.at(ref.substring(1)).isMissingNode(), "unresolved $ref " + ref);
    }
    List<String> operations = new ArrayList<>();
    api.get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(o -> {
      if (!List.of("get", "head", "post", "delete", "put", "patch").contains(o.getKey())) return;
      operations.add(o.getValue().path("operationId").asText(p.getKey() + " " + o.getKey() + " without operationId"));
      if (!o.getKey().equals("head")) {
        assertTrue(o.getValue().path("responses").has("500"), p.getKey() + " " + o.getKey() + " lists no 500");
      }
    }));
    assertEquals(operations.size(), operations.stream().distinct().count(), "operation ids: " + operations);
  }

  private static void collectRefs(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref")) out.add(e.getValue().asText());
        else collectRefs(e.getValue(), out);
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, out));
    }
  }
}
