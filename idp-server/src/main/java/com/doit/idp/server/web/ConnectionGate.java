package com.doit.idp.server.web;

import com.doit.idp.config.Cidr;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.util.PooledAdaptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.PushBackStreamSourceConduit;

/**
 * The first stage of every connection a listener accepts, before Undertow sees it:
 * <ol>
 *   <li><b>connection limit</b> ({@code http.max-connections}): beyond it, the connection is closed at once, never
 *       queued (XNIO's own high-water mark stops accepting instead, so surplus clients wait in the kernel's backlog
 *       and the listener looks dead);</li>
 *   <li><b>PROXY protocol</b> ({@code listen.<name>.proxy-protocol}): only a peer in {@code http.trusted-proxies}
 *       may send the header, and must (a connection from any other peer is closed unread: its header would be a lie
 *       we cannot tell, and without one it is not speaking to us); the header ({@link ProxyHeader}) must be complete
 *       within the request-head timeout; the client it names becomes the connection's peer
 *       ({@link ProxiedConnection}). Undertow's own PROXY support believes any peer, so it is not used;</li>
 *   <li>TLS, when the listener has a certificate (after the PROXY header, which comes first on the wire);</li>
 *   <li>{@link ParserRefusals} on the outgoing bytes, then Undertow's HTTP/1.1 handling.</li>
 * </ol>
 * Counts open and refused connections in {@code idp_http_connections_open{listener}} and
 * {@code idp_http_connections_refused_total{listener,reason}} ({@code limit}, {@code untrusted_proxy},
 * {@code proxy_header}). Thread-safe: it runs on the listener's IO threads.
 */
final class ConnectionGate implements ChannelListener<StreamConnection> {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);

  private final String listener;
  private final int maxConnections;
  private final boolean proxyProtocol;
  private final List<Cidr> trustedProxies;
  private final long headerTimeoutMillis;
  private final UndertowXnioSsl tls;
  private final HttpOpenListener http;
  private final ByteBufferPool buffers;
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refusedOverLimit;
  private final Counter refusedUntrusted;
  private final Counter refusedHeader;

  ConnectionGate(String listener, int maxConnections, boolean proxyProtocol, List<Cidr> trustedProxies,
      long headerTimeoutMillis, UndertowXnioSsl tls, HttpOpenListener http, ByteBufferPool buffers,
      MeterRegistry registry) {
    this.listener = listener;
    this.maxConnections = maxConnections;
    this.proxyProtocol = proxyProtocol;
    this.trustedProxies = List.copyOf(trustedProxies);
    this.headerTimeoutMillis = headerTimeoutMillis;
    this.tls = tls;
    this.http = http;
    this.buffers = buffers;
    Gauge.builder("idp.http.connections.open", open, AtomicInteger::get).tag("listener", listener)
        .description("open connections by listener").register(registry);
    this.refusedOverLimit = refused(registry, "limit");
    this.refusedUntrusted = refused(registry, "untrusted_proxy");
    this.refusedHeader = refused(registry, "proxy_header");
  }

  private Counter refused(MeterRegistry registry, String reason) {
    return Counter.builder("idp.http.connections.refused").tag("listener", listener).tag("reason", reason)
        .description("connections closed unserved by listener and reason").register(registry);
  }

  /** Connections open now (tests and metrics). */
  int open() {
    return open.get();
  }

  @Override
  public void handleEvent(StreamConnection connection) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refusedOverLimit.increment();
      IoUtils.safeClose(connection);
      return;
    }
    connection.setCloseListener(c -> open.decrementAndGet());
    if (!proxyProtocol) {
      serve(connection, null);
      return;
    }
    InetAddress peer = connection.getPeerAddress(InetSocketAddress.class).getAddress();
    if (!trusted(peer)) {
      refusedUntrusted.increment();
      log.debug("proxy-protocol-untrusted-peer listener={} peer={}", listener, peer.getHostAddress());
      IoUtils.safeClose(connection);
      return;
    }
    new HeaderReader(connection).start();
  }

  private boolean trusted(InetAddress a) {
    for (Cidr c : trustedProxies) if (c.contains(a)) return true;
    return false;
  }

  /** Hands the connection (and the bytes read past a PROXY header) to TLS and HTTP. */
  private void serve(StreamConnection connection, PooledByteBuffer leftover) {
    StreamConnection c = connection;
    if (tls != null) {
      if (leftover != null) {
        PushBackStreamSourceConduit pushBack = new PushBackStreamSourceConduit(c.getSourceChannel().getConduit());
        pushBack.pushBack(new PooledAdaptor(leftover));
        c.getSourceChannel().setConduit(pushBack);
        leftover = null;
      }
      c = tls.wrapExistingConnection(c, OptionMap.EMPTY, false);
    }
    c.getSinkChannel().setConduit(new ParserRefusals(c.getSinkChannel().getConduit()));
    http.handleEvent(c, leftover);
  }

  /** Reads a PROXY protocol header on the IO thread, then serves the connection as the client it names. */
  private final class HeaderReader implements ChannelListener<StreamSourceChannel> {
    private final StreamConnection connection;
    private final ProxyHeader header = new ProxyHeader();
    private XnioExecutor.Key timer;
    private boolean finished;

    HeaderReader(StreamConnection connection) {
      this.connection = connection;
    }

    void start() {
      timer = connection.getIoThread().executeAfter(() -> fail("timeout"), headerTimeoutMillis, TimeUnit.MILLISECONDS);
      connection.getSourceChannel().getReadSetter().set(this);
      connection.getSourceChannel().resumeReads();
    }

    @Override
    public void handleEvent(StreamSourceChannel channel) {
      if (finished) return;
      PooledByteBuffer pooled = buffers.allocate();
      boolean handedOver = false;
      try {
        ByteBuffer b = pooled.getBuffer();
        int n = channel.read(b);
        if (n < 0) {
          fail("closed");
          return;
        }
        if (n == 0) return;
        b.flip();
        ProxyHeader.Progress p = header.feed(b);
        if (p == ProxyHeader.Progress.INVALID) {
          fail("malformed");
        } else if (p == ProxyHeader.Progress.DONE) {
          finished = true;
          timer.remove();
          channel.getReadSetter().set(null);
          channel.suspendReads();
          StreamConnection c = connection;
          if (header.source() != null) {
            ProxiedConnection proxied = new ProxiedConnection(connection, header.source(), header.destination());
            // conduits report closing to the balancer's connection only: close the proxied one with it
            connection.setCloseListener(x -> IoUtils.safeClose(proxied));
            c = proxied;
          }
          // the bytes after the header (the request, or TLS) go on with the buffer, which Undertow then frees
          handedOver = b.hasRemaining();
          serve(c, handedOver ? pooled : null);
        }
      } catch (IOException | RuntimeException e) {
        fail(e.getClass().getSimpleName());
      } finally {
        if (!handedOver) pooled.close();
      }
    }

    private void fail(String why) {
      if (finished) return;
      finished = true;
      timer.remove();
      refusedHeader.increment();
      log.debug("proxy-protocol-header-refused listener={} reason={}", listener, why);
      IoUtils.safeClose(connection);
    }
  }
}
