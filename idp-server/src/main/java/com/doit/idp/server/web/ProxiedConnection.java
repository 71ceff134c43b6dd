package com.doit.idp.server.web;

import java.io.IOException;
import java.net.SocketAddress;
import org.xnio.IoUtils;
import org.xnio.Option;
import org.xnio.StreamConnection;

/**
 * A connection whose peer is the client a trusted load balancer named in a PROXY protocol header: Undertow and
 * {@link ClientAddress} see that client as the exchange's source address. The bytes are the balancer connection's
 * own (the same conduits). Closing either closes both: this connection's close closes the underlying channels, and
 * {@link ConnectionGate} closes this one when the underlying connection closes (conduits report their closing to
 * the underlying connection only), so Undertow's close listeners on this one always run.
 */
final class ProxiedConnection extends StreamConnection {
  private final StreamConnection delegate;
  private final SocketAddress peer;
  private final SocketAddress local;

  ProxiedConnection(StreamConnection delegate, SocketAddress peer, SocketAddress local) {
    super(delegate.getIoThread());
    this.delegate = delegate;
    this.peer = peer;
    this.local = local;
    setSourceConduit(delegate.getSourceChannel().getConduit());
    setSinkConduit(delegate.getSinkChannel().getConduit());
  }

  @Override
  public SocketAddress getPeerAddress() {
    return peer;
  }

  @Override
  public SocketAddress getLocalAddress() {
    return local != null ? local : delegate.getLocalAddress();
  }

  @Override
  protected void notifyWriteClosed() {
    IoUtils.safeClose(delegate.getSinkChannel());
  }

  @Override
  protected void notifyReadClosed() {
    IoUtils.safeClose(delegate.getSourceChannel());
  }

  @Override
  protected void closeAction() {
    IoUtils.safeClose(delegate);
  }

  @Override
  public boolean supportsOption(Option<?> option) {
    return delegate.supportsOption(option);
  }

  @Override
  public <T> T getOption(Option<T> option) throws IOException {
    return delegate.getOption(option);
  }

  @Override
  public <T> T setOption(Option<T> option, T value) throws IOException {
    return delegate.setOption(option, value);
  }
}
