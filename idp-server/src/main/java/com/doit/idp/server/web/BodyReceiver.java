package com.doit.idp.server.web;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xnio.ChannelListener;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;

/**
 * Receives a request body on the IO thread, without blocking, before any worker thread is used, and hands the
 * exchange on once the body is whole or has failed. Three bounds, against clients that send slowly or not at all:
 * <ul>
 *   <li>memory grows with the bytes that have arrived, never with the length a client declares (Undertow's own
 *       receiver allocates the declared {@code Content-Length} at once: 2,000 connections each announcing 64 KiB and
 *       sending a byte now and then held 128 MiB, issue 9 point 6);</li>
 *   <li>at most {@code http.max-body} + 1 bytes are kept (one more tells "at the limit" from "over it": 413);</li>
 *   <li>the whole body must arrive within {@code http.body-timeout} of the request head, however steadily it
 *       trickles (the idle timeout alone lets one byte every 29 s hold a connection for ever): 408;</li>
 *   <li>the bytes of all bodies a listener holds stay within its {@link BodyBudget}, until their requests are
 *       answered: 503 beyond.</li>
 * </ul>
 * The outcome is attached for {@link Bodies#read}: the bytes ({@link Bodies#RECEIVED}) or the failure
 * ({@link Bodies#RECEIVE_FAILED}: {@link TimedOut}, {@link OverBudget}, {@link RequestTooBigException}, or the read's
 * own error).
 *
 * <p>Confined to the exchange's IO thread: the read events and the timer both run there.
 */
final class BodyReceiver implements ChannelListener<StreamSourceChannel> {
  /** The body did not arrive within {@code http.body-timeout}. */
  static final class TimedOut extends IOException {
    private static final long serialVersionUID = 1L;

    TimedOut() {
      super("the request body did not arrive within http.body-timeout");
    }
  }

  /** The listener holds as many body bytes as its {@link BodyBudget} allows. */
  static final class OverBudget extends IOException {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super("the listener holds as many request bodies as it may");
    }
  }

  /** What to do with the exchange once its body is whole or has failed (dispatch it). Runs on the IO thread. */
  interface Next {
    void handle(HttpServerExchange exchange);
  }

  private final HttpServerExchange exchange;
  private final StreamSourceChannel channel;
  private final long keep;
  private final BodyBudget budget;
  /** Bytes taken from the budget, given back when the exchange ends (the body lives until then). */
  private final AtomicLong reserved = new AtomicLong();
  private final Next next;
  private final ByteArrayOutputStream body;
  private XnioExecutor.Key timer;
  private boolean settled;
  /** True while {@link #receive} runs, that is within the handler's call. */
  private boolean starting = true;

  private BodyReceiver(HttpServerExchange exchange, StreamSourceChannel channel, long maxBody, BodyBudget budget,
      Next next) {
    this.exchange = exchange;
    this.channel = channel;
    this.keep = maxBody + 1;
    this.budget = budget;
    this.next = next;
    long declared = exchange.getRequestContentLength();
    // A small start whatever is declared: the buffer grows as bytes come, so a declared length costs nothing.
    this.body = new ByteArrayOutputStream((int) Math.min(declared > 0 ? declared : 512, 512));
  }

  /**
   * Starts receiving the body of {@code exchange}; {@code next} runs once, when it is whole or has failed. Must be
   * called on the IO thread, from a handler (the exchange stays open until {@code next} dispatches it).
   */
  static void receive(HttpServerExchange exchange, long maxBody, Duration timeout, BodyBudget budget, Next next) {
    StreamSourceChannel channel = exchange.getRequestChannel();
    if (channel == null) {
      exchange.putAttachment(Bodies.RECEIVE_FAILED, new IOException("the request body was already read"));
      next.handle(exchange);
      return;
    }
    BodyReceiver r = new BodyReceiver(exchange, channel, maxBody, budget, next);
    exchange.addExchangeCompleteListener((ex, nextListener) -> {
      budget.release(r.reserved.getAndSet(0));
      nextListener.proceed();
    });
    r.timer = exchange.getIoThread().executeAfter(r::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
    channel.getReadSetter().set(r);
    r.readAvailable();
    r.starting = false;
    // Within the handler call, this only marks the exchange to resume reading once the handler returns.
    if (!r.settled) channel.resumeReads();
  }

  @Override
  public void handleEvent(StreamSourceChannel c) {
    readAvailable();
  }

  private void readAvailable() {
    if (settled) return;
    try (PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate()) {
      ByteBuffer buffer = pooled.getBuffer();
      while (true) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n == 0) return;
        if (n < 0) {
          settle(body.toByteArray(), null);
          return;
        }
        buffer.flip();
        int take = (int) Math.min(buffer.remaining(), keep - body.size());
        if (!budget.reserve(take)) {
          exchange.setPersistent(false); // the rest of the body is not read
          settle(null, new OverBudget());
          return;
        }
        reserved.addAndGet(take);
        if (buffer.hasArray()) {
          body.write(buffer.array(), buffer.arrayOffset() + buffer.position(), take);
        } else {
          byte[] chunk = new byte[take];
          buffer.get(chunk);
          body.write(chunk, 0, take);
        }
        if (body.size() >= keep) {
          settle(null, new RequestTooBigException());
          return;
        }
      }
    } catch (IOException e) {
      settle(null, e);
    }
  }

  private void timedOut() {
    if (settled) return;
    // the rest of the body will not be read: the connection cannot carry another request
    exchange.setPersistent(false);
    settle(null, new TimedOut());
  }

  private void settle(byte[] bytes, IOException failure) {
    if (settled) return;
    settled = true;
    timer.remove();
    channel.getReadSetter().set(null);
    channel.suspendReads();
    if (failure != null) {
      exchange.putAttachment(Bodies.RECEIVE_FAILED, failure);
    } else {
      exchange.putAttachment(Bodies.RECEIVED, bytes);
    }
    if (starting) {
      next.handle(exchange);
    } else {
      // from a read event or the timer: give the exchange the same handler-call context a handler has
      Connectors.executeRootHandler(next::handle, exchange);
    }
  }
}
