package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.doit.idp.server.Golden;
import com.doit.idp.server.RawHttp;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.undertow.Undertow;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a form body is read ({@link Bodies#form}) behind the token listener's chain, over real HTTP: bounded by
 * {@code http.max-body} (declared and chunked), one content type, strict percent-decoding, repeats kept. The route
 * answers with the form it parsed, so what the token services would receive is asserted exactly.
 */
class FormBodyTest {
  private static final long MAX_BODY = 1024;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicReference<Map<String, List<String>>> seen = new AtomicReference<>();
  private Undertow undertow;
  private InetSocketAddress address;

  @BeforeEach
  void start() {
    Router routes = Router.builder().route("/form", exchange -> {
      Map<String, List<String>> form = Bodies.form(exchange, MAX_BODY);
      seen.set(form);
      Json.noStore(exchange);
      Json.send(exchange, 200, Map.of("form", form));
    }, "POST").build();
    undertow = Undertow.builder()
        .addHttpListener(0, "127.0.0.1", HandlerChains.chain("test", new SimpleMeterRegistry(), List.of(),
            HandlerChains.blocking(routes, HandlerChains.bodyLimits(MAX_BODY, java.time.Duration.ofSeconds(10)))).root())
        .build();
    undertow.start();
    address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
  }

  @AfterEach
  void stop() {
    undertow.stop();
  }

  private HttpResponse<String> post(String contentType, HttpRequest.BodyPublisher body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/form"))
        .POST(body);
    if (contentType != null) b.header("Content-Type", contentType);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Object error(HttpResponse<String> r) throws Exception {
    return JSONObjectUtils.parse(r.body()).get("error");
  }

  @Test
  void aFormIsParsedWithRepeatsKeptAndPercentAndPlusDecoded() throws Exception {
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofString("grant_type=a%3Ab&resource=x&resource=y&empty=&flag&sp=a+b%20c"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(Map.of("grant_type", List.of("a:b"), "resource", List.of("x", "y"), "empty", List.of(""),
        "flag", List.of(""), "sp", List.of("a b c")), seen.get());
  }

  @Test
  void aCharsetParameterOfUtf8IsAccepted() throws Exception {
    assertEquals(200, post("application/x-www-form-urlencoded; charset=UTF-8",
        HttpRequest.BodyPublishers.ofString("a=1")).statusCode());
  }

  @Test
  void anotherContentTypeGets400InvalidRequestWithNoStore() throws Exception {
    for (String ct : new String[] {"application/json", "text/plain", null,
        "application/x-www-form-urlencoded; charset=ISO-8859-1"}) {
      HttpResponse<String> r = post(ct, HttpRequest.BodyPublishers.ofString("a=1"));
      assertEquals(400, r.statusCode(), String.valueOf(ct));
      Golden.assertMatches("error-form-content-type.json", r.body());
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    }
    assertEquals(null, seen.get());
  }

  @Test
  void malformedPercentEncodingGets400() throws Exception {
    for (String body : new String[] {"a=%zz", "a=%", "a=%C3%28"}) {
      HttpResponse<String> r = post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(body));
      assertEquals(400, r.statusCode(), body);
      assertEquals("invalid_request", error(r));
    }
  }

  @Test
  void tooManyParametersGet400() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 40; i++) b.append("p").append(i).append("=1&");
    assertEquals(400, post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(b.toString()))
        .statusCode());
  }

  @Test
  void aDeclaredBodyOverTheLimitGets413Json() throws Exception {
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofString("a=" + "x".repeat(2000)));
    assertEquals(413, r.statusCode());
    Golden.assertMatches("error-too-large.json", r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals(null, seen.get());
  }

  @Test
  void aChunkedBodyOverTheLimitGets413JsonToo() throws Exception {
    byte[] big = ("a=" + "x".repeat(3000)).getBytes();
    // An input stream of unknown length makes the client send Transfer-Encoding: chunked.
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
    assertEquals(413, r.statusCode());
    Golden.assertMatches("error-too-large.json", r.body());
    assertEquals(null, seen.get());
  }

  @Test
  void aBodyOfExactlyTheLimitIsReadDeclaredOrChunked() throws Exception {
    String body = "a=" + "x".repeat((int) MAX_BODY - 2);
    assertEquals(200, post("application/x-www-form-urlencoded", HttpRequest.BodyPublishers.ofString(body)).statusCode());
    assertEquals(1022, seen.get().get("a").get(0).length());
    seen.set(null);
    byte[] raw = body.getBytes();
    assertEquals(200, post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(raw))).statusCode());
    assertEquals(1022, seen.get().get("a").get(0).length());
    byte[] over = (body + "x").getBytes();
    assertEquals(413, post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(over))).statusCode());
  }

  @Test
  void aChunkedBodyUnderTheLimitIsRead() throws Exception {
    byte[] small = "a=1&b=2".getBytes();
    HttpResponse<String> r = post("application/x-www-form-urlencoded",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small)));
    assertEquals(200, r.statusCode());
    assertEquals(Map.of("a", List.of("1"), "b", List.of("2")), seen.get());
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedOnARawConnectionToo() {
    StringBuilder req = new StringBuilder("POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: "
        + "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 3; i++) req.append("200\r\n").append("x".repeat(0x200)).append("\r\n");
    req.append("0\r\n\r\n");
    String raw = RawHttp.send(address, req.toString());
    assertEquals(413, RawHttp.status(raw), raw);
    Golden.assertMatches("error-too-large.json", RawHttp.body(raw));
  }
}
