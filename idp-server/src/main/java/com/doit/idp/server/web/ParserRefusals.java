package com.doit.idp.server.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Gives a JSON body to the {@code 400} that Undertow's HTTP parser sends on its own, before any handler of ours runs
 * (a malformed request line, raw control or non-ASCII bytes in the target, a request head over 16 KiB or with more
 * than 64 headers, conflicting framing headers, a missing, repeated or malformed {@code Host}, an absolute-form
 * target naming another host than {@code Host}): Undertow offers no hook there, and its answer is an empty body.
 *
 * <p>It sits under Undertow on each connection's outgoing bytes and recognises such an answer by what only
 * Undertow's own refusals are: a write that starts with an HTTP/1.x {@code 400} status line and holds a whole head
 * with {@code Content-Length: 0} and no {@code X-Request-Id} (every answer of our handlers carries one, and every
 * error of ours a JSON body). That write is replaced by {@code 400 {"error":"invalid_request",
 * "error_description":...}} with {@code Cache-Control: no-store} and {@code Connection: close} (Undertow closes the
 * connection after it anyway); every other byte passes untouched. Undertow writes its refusal in one buffer; were
 * it ever split, the empty answer would pass unchanged, which is what it was before.
 *
 * <p>Not thread-safe: one per connection, used by the thread that writes the connection.
 */
final class ParserRefusals extends AbstractStreamSinkConduit<StreamSinkConduit> {
  private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STATUS_400 = " 400 ".getBytes(StandardCharsets.US_ASCII);
  /** Undertow's refusals are a status line and a few headers; anything longer is not one. */
  private static final int MAX_REFUSAL = 512;
  private static final byte[] MALFORMED = answer("the request line or headers are malformed or too large (the request"
      + " line and headers at most 16 KiB, at most 64 headers)");
  private static final byte[] HOST = answer("the Host header is missing, repeated or malformed, or names another host"
      + " than the request target");

  private ByteBuffer pending;
  private boolean terminateRequested;

  ParserRefusals(StreamSinkConduit next) {
    super(next);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (pending != null && !drain()) return 0;
    byte[] replacement = replacementFor(src);
    if (replacement == null) return next.write(src);
    int n = src.remaining();
    src.position(src.limit());
    pending = ByteBuffer.wrap(replacement);
    drain();
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    if (pending != null && !drain()) return 0;
    int first = offset;
    while (first < offset + length && !srcs[first].hasRemaining()) first++;
    if (first < offset + length && onlyOneWithBytes(srcs, first, offset + length)) return write(srcs[first]);
    return next.write(srcs, offset, length);
  }

  @Override
  public int writeFinal(ByteBuffer src) throws IOException {
    return Conduits.writeFinalBasic(this, src);
  }

  @Override
  public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
    return Conduits.writeFinalBasic(this, srcs, offset, length);
  }

  @Override
  public boolean flush() throws IOException {
    if (pending != null && !drain()) return false;
    if (terminateRequested) {
      terminateRequested = false;
      next.terminateWrites();
    }
    return next.flush();
  }

  @Override
  public void terminateWrites() throws IOException {
    if (pending != null && !drain()) {
      terminateRequested = true; // after the replacement, in flush()
      return;
    }
    next.terminateWrites();
  }

  @Override
  public void truncateWrites() throws IOException {
    pending = null;
    next.truncateWrites();
  }

  private boolean drain() throws IOException {
    while (pending.hasRemaining()) {
      if (next.write(pending) == 0) return false;
    }
    pending = null;
    return true;
  }

  private static boolean onlyOneWithBytes(ByteBuffer[] srcs, int first, int end) {
    for (int i = first + 1; i < end; i++) if (srcs[i].hasRemaining()) return false;
    return true;
  }

  /** Our answer for {@code src} when it is one of Undertow's own parser refusals; null otherwise. */
  static byte[] replacementFor(ByteBuffer src) {
    int n = src.remaining();
    if (n < HTTP_1.length + 1 + STATUS_400.length || n > MAX_REFUSAL) return null;
    int p = src.position();
    for (int i = 0; i < HTTP_1.length; i++) if (src.get(p + i) != HTTP_1[i]) return null;
    for (int i = 0; i < STATUS_400.length; i++) if (src.get(p + HTTP_1.length + 1 + i) != STATUS_400[i]) return null;
    byte[] b = new byte[n];
    src.get(p, b);
    String head = new String(b, StandardCharsets.ISO_8859_1);
    if (!head.endsWith("\r\n\r\n")) return null;
    String lower = head.toLowerCase(Locale.ROOT);
    if (lower.contains("\r\nx-request-id:") || !lower.matches("(?s).*\r\ncontent-length: *0\r\n.*")) return null;
    String statusLine = head.substring(0, head.indexOf("\r\n"));
    return statusLine.toLowerCase(Locale.ROOT).contains("host") ? HOST : MALFORMED;
  }

  private static byte[] answer(String description) {
    byte[] body = Json.bytes(Json.error("invalid_request", description));
    String head = "HTTP/1.1 400 Bad Request\r\n"
        + "Content-Type: " + Json.CONTENT_TYPE + "\r\n"
        + "Cache-Control: no-store\r\n"
        + "Connection: close\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }
}
