package com.doit.idp.server.web;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes JSON responses. Every body this server sends goes through here, so every body is JSON. */
public final class Json {
  public static final String CONTENT_TYPE = "application/json";

  private Json() {}

  /** {@code {"error": code, "error_description"?: description}}, in that order. */
  public static Map<String, Object> error(String code, String description) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", code);
    if (description != null) m.put("error_description", description);
    return m;
  }

  public static byte[] bytes(Map<String, ?> body) {
    return JSONObjectUtils.toJSONString(body).getBytes(StandardCharsets.UTF_8);
  }

  /** Sends {@code body} with {@code status}; a HEAD request gets the headers only (Undertow drops the body). */
  public static void send(HttpServerExchange exchange, int status, Map<String, ?> body) {
    send(exchange, status, bytes(body));
  }

  public static void send(HttpServerExchange exchange, int status, byte[] body) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
    exchange.getResponseSender().send(ByteBuffer.wrap(body));
  }

  /** Sets {@code Cache-Control: no-store}: for errors and for anything that carries a token (RFC 6749 5.1). */
  public static void noStore(HttpServerExchange exchange) {
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
  }

  static void header(HttpServerExchange exchange, String name, String value) {
    exchange.getResponseHeaders().put(new HttpString(name), value);
  }
}
