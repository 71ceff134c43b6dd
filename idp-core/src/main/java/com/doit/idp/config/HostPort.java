package com.doit.idp.config;

/** A listening address, {@code host:port}; port 0 picks a free port. */
public record HostPort(String host, int port) {
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("must be host:port");
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port must be a number");
    }
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535");
    return new HostPort(host, port);
  }

  /** True when the host is {@code localhost} or a loopback IP literal ({@link Loopback}). */
  public boolean isLoopback() {
    return Loopback.isLoopbackHost(host);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
