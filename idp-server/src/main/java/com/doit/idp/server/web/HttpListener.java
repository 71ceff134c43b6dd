package com.doit.idp.server.web;

import com.doit.idp.config.Cidr;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * One listening socket: its own XNIO worker (IO threads and a bounded pool of worker threads, so a listener whose
 * workers are stuck on the HSM never slows another listener), the {@link ConnectionGate} for every accepted
 * connection, and Undertow's HTTP/1.1 handling with the limits below. Undertow's {@code Undertow} class is not used:
 * it accepts connections itself, and the gate has to see them first (connection limit, PROXY protocol from trusted
 * peers only, JSON bodies for the parser's refusals).
 *
 * <p>Limits, set explicitly rather than left to Undertow's generous defaults: request line plus headers 16 KiB (so
 * the URL too), 64 headers, 16 cookies, 32 query parameters; 10 s to send the request head (and the PROXY header);
 * a connection with no byte either way for 30 s is closed, and so is an idle keep-alive connection; HTTP/2 off.
 * Bodies are bounded by {@link Dispatch} ({@code http.max-body}, {@code http.body-timeout}); Undertow's own
 * {@code MAX_ENTITY_SIZE} is only a backstop above them. XNIO's {@code READ_TIMEOUT} socket option is not used: with
 * Undertow 2.4.4 it throws {@code RejectedExecutionException} (XNIO007007) when a response completes on a worker.
 *
 * <p>Thread-safe; {@link #close} is idempotent.
 */
public final class HttpListener implements AutoCloseable {
  static final int REQUEST_HEAD_TIMEOUT_MS = 10_000;
  static final int IDLE_TIMEOUT_MS = 30_000;
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  /**
   * What a listener needs.
   *
   * @param name the listener's name, for the logs and metrics ({@code public}, {@code token}, {@code management})
   * @param tls the TLS context when the listener serves HTTPS
   * @param proxyProtocol every connection starts with a PROXY protocol header from a trusted proxy
   * @param trustedProxies {@code http.trusted-proxies}
   * @param maxConnections {@code http.max-connections}
   * @param maxBody {@code http.max-body} (for the backstop above it)
   */
  public record Settings(String name, String host, int port, Optional<SSLContext> tls, boolean proxyProtocol,
      List<Cidr> trustedProxies, int maxConnections, int ioThreads, int workerThreads, long maxBody) {
    public Settings {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(tls, "tls");
      trustedProxies = List.copyOf(trustedProxies);
      if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be at least 1");
    }
  }

  private final XnioWorker worker;
  private final AcceptingChannel<StreamConnection> server;
  private final HttpOpenListener http;
  private final ConnectionGate gate;
  private final InetSocketAddress address;
  private boolean closed;

  private HttpListener(XnioWorker worker, AcceptingChannel<StreamConnection> server, HttpOpenListener http,
      ConnectionGate gate) {
    this.worker = worker;
    this.server = server;
    this.http = http;
    this.gate = gate;
    this.address = server.getLocalAddress(InetSocketAddress.class);
  }

  /**
   * Binds and starts serving {@code root}.
   *
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static HttpListener start(Settings s, HttpHandler root, MeterRegistry registry) {
    Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
    XnioWorker worker;
    try {
      worker = xnio.createWorker(OptionMap.builder()
          .set(Options.WORKER_NAME, "idp-" + s.name())
          .set(Options.WORKER_IO_THREADS, s.ioThreads())
          .set(Options.WORKER_TASK_CORE_THREADS, s.workerThreads())
          .set(Options.WORKER_TASK_MAX_THREADS, s.workerThreads())
          // XNIO's own high-water mark would stop accepting (clients then hang in the backlog): the gate limits
          .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
          .set(Options.CONNECTION_LOW_WATER, 1_000_000)
          .set(Options.TCP_NODELAY, true)
          .set(Options.CORK, true)
          .getMap());
    } catch (IOException e) {
      throw new UncheckedIOException("listen." + s.name() + ": cannot start its threads", e);
    }
    try {
      ByteBufferPool buffers = bufferPool();
      HttpOpenListener http = new HttpOpenListener(buffers, undertowOptions(s.maxBody()));
      http.setRootHandler(root);
      UndertowXnioSsl tls = s.tls().map(ctx -> new UndertowXnioSsl(xnio,
          OptionMap.create(Options.USE_DIRECT_BUFFERS, true), ctx)).orElse(null);
      ConnectionGate gate = new ConnectionGate(s.name(), s.maxConnections(), s.proxyProtocol(), s.trustedProxies(),
          REQUEST_HEAD_TIMEOUT_MS, tls, http, buffers, registry);
      OptionMap socket = OptionMap.builder()
          .set(Options.WORKER_IO_THREADS, s.ioThreads())
          .set(Options.TCP_NODELAY, true)
          .set(Options.REUSE_ADDRESSES, true)
          .set(Options.BALANCING_TOKENS, 1)
          .set(Options.BALANCING_CONNECTIONS, 2)
          .set(Options.BACKLOG, 1000)
          .getMap();
      AcceptingChannel<StreamConnection> server = worker.createStreamConnectionServer(
          new InetSocketAddress(InetAddress.getByName(s.host()), s.port()), ChannelListeners.openListenerAdapter(gate),
          socket);
      server.resumeAccepts();
      return new HttpListener(worker, server, http, gate);
    } catch (IOException e) {
      worker.shutdownNow();
      throw new UncheckedIOException("listen." + s.name() + ": cannot listen on " + s.host() + ":" + s.port()
          + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      worker.shutdownNow();
      throw e;
    }
  }

  private static OptionMap undertowOptions(long maxBody) {
    return OptionMap.builder()
        .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
        .set(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
        .set(UndertowOptions.MAX_HEADERS, 64)
        .set(UndertowOptions.MAX_COOKIES, 16)
        .set(UndertowOptions.MAX_PARAMETERS, 32)
        // Only a backstop for bodies no handler reads: Dispatch answers 413 JSON past http.max-body, but Undertow's
        // own limit drops the connection without an answer, and it counts bytes as they are buffered (up to a
        // buffer ahead of the handler), so it must sit well above http.max-body.
        .set(UndertowOptions.MAX_ENTITY_SIZE, maxBody + 1024 * 1024)
        .set(UndertowOptions.ALLOW_ENCODED_SLASH, false)
        .set(UndertowOptions.ENABLE_HTTP2, false)
        .set(UndertowOptions.ALWAYS_SET_DATE, true)
        .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, REQUEST_HEAD_TIMEOUT_MS)
        .set(UndertowOptions.IDLE_TIMEOUT, IDLE_TIMEOUT_MS)
        .set(UndertowOptions.NO_REQUEST_TIMEOUT, IDLE_TIMEOUT_MS)
        .getMap();
  }

  /** Undertow's own choice of buffers for the heap it runs in (Undertow.Builder's rule). */
  private static ByteBufferPool bufferPool() {
    long max = Runtime.getRuntime().maxMemory();
    if (max < 64L * 1024 * 1024) return new DefaultByteBufferPool(false, 512, -1, 4);
    if (max < 128L * 1024 * 1024) return new DefaultByteBufferPool(true, 1024, -1, 4);
    return new DefaultByteBufferPool(true, 16 * 1024 - 20, -1, 4);
  }

  /** The bound address (the actual port when the configured one was 0). */
  public InetSocketAddress address() {
    return address;
  }

  /** Connections open now. */
  public int openConnections() {
    return gate.open();
  }

  /** Stops accepting, closes every connection and stops the listener's threads (waiting up to 10 s for them). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    IoUtils.safeClose(server);
    http.closeConnections();
    worker.shutdown();
    try {
      if (!worker.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) worker.shutdownNow();
    } catch (InterruptedException e) {
      worker.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
