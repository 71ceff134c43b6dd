package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads request bodies with a hard byte limit, and parses the two body forms we accept: form-encoded (RFC 6749
 * appendix B) and JSON objects. The limit is enforced twice: a declared {@code Content-Length} over it is refused
 * before reading, and the bytes are counted while reading, so a chunked body cannot slip past (413). Every failure
 * is a {@link ClientError}. Stateless; needs a blocking exchange (after {@link Dispatch}).
 */
public final class Bodies {
  /** No legitimate request of ours carries more parameters (the token request has six). */
  static final int MAX_FORM_PARAMETERS = 32;

  private Bodies() {}

  public static ClientError tooLarge() {
    return new ClientError(413, "invalid_request", "the request body is larger than http.max-body");
  }

  /** The body as {@link BodyReceiver} received it without blocking, when it did. */
  static final AttachmentKey<byte[]> RECEIVED = AttachmentKey.create(byte[].class);
  /** Why receiving the body failed: too big, cut short, timed out. */
  static final AttachmentKey<IOException> RECEIVE_FAILED = AttachmentKey.create(IOException.class);

  /**
   * The whole body, at most {@code maxBytes}; 413 beyond; 408 when it did not arrive within {@code http.body-timeout};
   * 400 when it cannot be read to its end (the client went away: its fault, never a 500).
   */
  public static byte[] read(HttpServerExchange exchange, long maxBytes) throws IOException {
    long declared = exchange.getRequestContentLength();
    if (declared > maxBytes) throw tooLarge();
    IOException failed = exchange.getAttachment(RECEIVE_FAILED);
    if (failed != null) throw unreadable(failed);
    byte[] received = exchange.getAttachment(RECEIVED);
    if (received != null) {
      if (received.length > maxBytes) throw tooLarge();
      return received;
    }
    try {
      return readBlocking(exchange, declared, maxBytes);
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  private static ClientError unreadable(IOException e) {
    if (e instanceof RequestTooBigException || e instanceof Receiver.RequestToLargeException) return tooLarge();
    if (e instanceof BodyReceiver.OverBudget) {
      return new ClientError(503, "temporarily_unavailable", "too many request bodies are being received; try again",
          Map.of("Retry-After", "1"));
    }
    if (e instanceof BodyReceiver.TimedOut) {
      return new ClientError(408, "invalid_request", "the request body did not arrive within http.body-timeout");
    }
    return new ClientError(400, "invalid_request", "the request body ended early or could not be read");
  }

  private static byte[] readBlocking(HttpServerExchange exchange, long declared, long maxBytes) throws IOException {
    InputStream in = exchange.getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), maxBytes));
    byte[] buf = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buf)) != -1) {
      total += n;
      if (total > maxBytes) throw tooLarge();
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** True when the request's media type (parameters aside) is {@code type}. */
  static boolean hasMediaType(HttpServerExchange exchange, String type) {
    String ct = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
    if (ct == null) return false;
    int semi = ct.indexOf(';');
    String media = (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    if (!media.equals(type)) return false;
    if (semi >= 0) {
      // Only UTF-8 is accepted: a charset we would not decode correctly must not be silently misread.
      String params = ct.substring(semi + 1).trim().toLowerCase(Locale.ROOT).replace(" ", "");
      if (params.startsWith("charset=") && !params.equals("charset=utf-8") && !params.equals("charset=\"utf-8\"")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads an {@code application/x-www-form-urlencoded} body into name -> values, keeping repeated names (RFC 6749
   * section 3.2 forbids them; the service refuses them, so they must reach it). 400 for another content type,
   * malformed encoding, or too many parameters.
   */
  public static Map<String, List<String>> form(HttpServerExchange exchange, long maxBytes) throws IOException {
    if (!hasMediaType(exchange, "application/x-www-form-urlencoded")) {
      throw new ClientError(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    return parseForm(utf8(read(exchange, maxBytes)));
  }

  static Map<String, List<String>> parseForm(String body) {
    Map<String, List<String>> form = new LinkedHashMap<>();
    if (body.isEmpty()) return form;
    String[] pairs = body.split("&", -1);
    if (pairs.length > MAX_FORM_PARAMETERS) {
      throw new ClientError(400, "invalid_request", "too many parameters");
    }
    for (String pair : pairs) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      form.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
    }
    form.replaceAll((k, v) -> List.copyOf(v));
    return form;
  }

  private static String decode(String s) {
    try {
      String d = URLDecoder.decode(s, StandardCharsets.UTF_8);
      if (d.indexOf('\uFFFD') >= 0) throw new IllegalArgumentException("not UTF-8");
      return d;
    } catch (IllegalArgumentException e) {
      throw new ClientError(400, "invalid_request", "the form body is not correctly encoded");
    }
  }

  /** Reads a JSON object body (an empty body is an empty object); 400 for another type or malformed JSON. */
  public static Map<String, Object> jsonObject(HttpServerExchange exchange, long maxBytes) throws IOException {
    byte[] raw = read(exchange, maxBytes);
    if (raw.length == 0) return Map.of();
    if (!hasMediaType(exchange, "application/json")) {
      throw new ClientError(400, "invalid_request", "the body must be application/json");
    }
    Map<String, Object> parsed;
    try {
      parsed = JSONObjectUtils.parse(utf8(raw));
    } catch (ParseException | RuntimeException e) {
      parsed = null;
    }
    if (parsed == null) throw new ClientError(400, "invalid_request", "the body must be a JSON object");
    return parsed;
  }

  static String utf8(byte[] raw) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
    } catch (CharacterCodingException e) {
      throw new ClientError(400, "invalid_request", "the body is not UTF-8");
    }
  }
}
