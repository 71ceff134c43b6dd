package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.server.web.TokenEndpoints;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token listener's HTTP handling over real HTTP, with a recording fake behind {@link TokenEndpoints} (the
 * decisions are tested with the real services in the end-to-end test): bounded form parsing, content type, body
 * limits (declared and chunked), no-store, bearer parsing, error mapping.
 */
class TokenListenerTest {
  @TempDir Path dir;
  TestServer t;
  final AtomicReference<Map<String, List<String>>> seenForm = new AtomicReference<>();
  final AtomicReference<String> seenBearer = new AtomicReference<>();
  final AtomicReference<RuntimeException> toThrow = new AtomicReference<>();

  @BeforeEach
  void start() {
    TokenEndpoints fake = new TokenEndpoints() {
      @Override
      public Map<String, Object> exchange(Map<String, List<String>> form, String requestId, String remoteAddr) {
        seenForm.set(form);
        if (toThrow.get() != null) throw toThrow.get();
        return Map.of("access_token", "t", "expires_in", 300);
      }

      @Override
      public Map<String, Object> roles(String bearerToken) {
        seenBearer.set(bearerToken);
        if (toThrow.get() != null) throw toThrow.get();
        return Map.of("roles", List.of());
      }
    };
    t = TestServer.start(dir, Map.of("http.max-body", "1KiB"), fake, () -> true);
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private HttpResponse<String> post(String contentType, HttpRequest.BodyPublisher body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(t.url("token", "/token")).POST(body);
    if (contentType != null) b.header("Content-Type", contentType);
    return t.send(b.build());
  }

  @Test
  void aFormIsParsedWithRepeatsKeptAndTheAnswerIsNoStoreJson() {
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofString("grant_type=a%3Ab&resource=x&resource=y&empty=&flag&sp=a+b%20c"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(Map.of("grant_type", List.of("a:b"), "resource", List.of("x", "y"), "empty", List.of(""),
        "flag", List.of(""), "sp", List.of("a b c")), seenForm.get());
  }

  @Test
  void aCharsetParameterOfUtf8IsAccepted() {
    assertEquals(200, post("application/x-www-form-urlencoded; charset=UTF-8",
        HttpRequest.BodyPublishers.ofString("a=1")).statusCode());
  }

  @Test
  void anotherContentTypeGets400InvalidRequestWithNoStore() {
    for (String ct : new String[] {"application/json", "text/plain", null,
        "application/x-www-form-urlencoded; charset=ISO-8859-1"}) {
      HttpResponse<String> r = post(ct, HttpRequest.BodyPublishers.ofString("a=1"));
      assertEquals(400, r.statusCode(), String.valueOf(ct));
      Golden.assertMatches("error-form-content-type.json", r.body());
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    }
    assertEquals(null, seenForm.get());
  }

  @Test
  void malformedPercentEncodingGets400() {
    for (String body : new String[] {"a=%zz", "a=%", "a=%C3%28"}) {
      HttpResponse<String> r = post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(body));
      assertEquals(400, r.statusCode(), body);
      assertEquals("invalid_request", TestServer.json(r).get("error"));
    }
  }

  @Test
  void tooManyParametersGet400() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 40; i++) b.append("p").append(i).append("=1&");
    HttpResponse<String> r = post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(b.toString()));
    assertEquals(400, r.statusCode());
  }

  @Test
  void aDeclaredBodyOverTheLimitGets413Json() {
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofString("a=" + "x".repeat(2000)));
    assertEquals(413, r.statusCode());
    Golden.assertMatches("error-too-large.json", r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals(null, seenForm.get());
  }

  @Test
  void aChunkedBodyOverTheLimitGets413JsonToo() {
    byte[] big = ("a=" + "x".repeat(3000)).getBytes();
    // An input stream of unknown length makes the client send Transfer-Encoding: chunked.
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
    assertEquals(413, r.statusCode());
    Golden.assertMatches("error-too-large.json", r.body());
    assertEquals(null, seenForm.get());
  }

  @Test
  void aBodyOfExactlyTheLimitIsReadDeclaredOrChunked() {
    String body = "a=" + "x".repeat(1024 - 2);
    assertEquals(200, post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(body)).statusCode());
    assertEquals(1022, seenForm.get().get("a").get(0).length());
    seenForm.set(null);
    byte[] raw = body.getBytes();
    assertEquals(200, post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(raw))).statusCode());
    assertEquals(1022, seenForm.get().get("a").get(0).length());
    byte[] over = (body + "x").getBytes();
    assertEquals(413, post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(over))).statusCode());
  }

  @Test
  void aChunkedBodyUnderTheLimitIsRead() {
    byte[] small = "a=1&b=2".getBytes();
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small)));
    assertEquals(200, r.statusCode());
    assertEquals(Map.of("a", List.of("1"), "b", List.of("2")), seenForm.get());
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedOnARawConnectionToo() {
    StringBuilder req = new StringBuilder("POST /token HTTP/1.1\r\nHost: t\r\nContent-Type: "
        + "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 3; i++) req.append("200\r\n").append("x".repeat(0x200)).append("\r\n");
    req.append("0\r\n\r\n");
    String raw = RawHttp.send(t.server.address("token"), req.toString());
    assertEquals(413, RawHttp.status(raw), raw);
    Golden.assertMatches("error-too-large.json", RawHttp.body(raw));
  }

  @Test
  void aClientErrorFromTheServiceKeepsItsStatusCodeAndHeaders() {
    toThrow.set(new ClientError(429, "slow_down", "too many token requests", Map.of("Retry-After", "7")));
    HttpResponse<String> r = post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString("a=1"));
    assertEquals(429, r.statusCode());
    assertEquals("7", r.headers().firstValue("Retry-After").orElseThrow());
    assertEquals(Map.of("error", "slow_down", "error_description", "too many token requests"), TestServer.json(r));
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void anUnexpectedExceptionGets500WithARequestIdAndNoStackTrace() {
    toThrow.set(new IllegalStateException("secret internal detail at com.doit.Something"));
    HttpResponse<String> r = post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString("a=1"));
    assertEquals(500, r.statusCode());
    String id = r.headers().firstValue("X-Request-Id").orElseThrow();
    Golden.assertMatches("error-server.json", Map.of("request_id", id), r.body());
    assertFalse(r.body().contains("secret"));
    assertFalse(r.body().contains("IllegalState"));
    assertFalse(r.body().contains("at com."));
  }

  @Test
  void rolesPassesTheBearerTokenAndAnswersNoStoreJson() {
    HttpResponse<String> r = t.get("token", "/roles", "Authorization", "Bearer abc.def.ghi");
    assertEquals(200, r.statusCode());
    assertEquals("abc.def.ghi", seenBearer.get());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
  }

  @Test
  void rolesWithoutABearerTokenGets401InvalidTokenWithWwwAuthenticate() {
    for (String[] h : new String[][] {{}, {"Authorization", "Basic abc"}, {"Authorization", "Bearer "}}) {
      HttpResponse<String> r = t.get("token", "/roles", h);
      assertEquals(401, r.statusCode());
      assertEquals("invalid_token", TestServer.json(r).get("error"));
      assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
    }
    assertEquals(null, seenBearer.get());
  }

  @Test
  void otherMethodsAndPathsGet405And404() {
    HttpResponse<String> r = t.get("token", "/token");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
    HttpResponse<String> n = t.get("token", "/123456789012/alice/jwks.json");
    assertEquals(404, n.statusCode());
    Golden.assertMatches("error-not-found.json", n.body());
  }

  @Test
  void everyResponseCarriesARequestId() {
    HttpResponse<String> a = t.get("token", "/nothing");
    HttpResponse<String> b = t.get("token", "/nothing");
    String ida = a.headers().firstValue("X-Request-Id").orElseThrow();
    assertTrue(ida.matches("[0-9a-f]{24}"));
    assertFalse(ida.equals(b.headers().firstValue("X-Request-Id").orElseThrow()));
  }
}
