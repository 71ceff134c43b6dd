package com.doit.idp.server.web;

import com.doit.idp.config.Cidr;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's address, derived once per request, in one place, for the audit log ({@code remote_addr}), the bounds
 * per source and the logs. Every other part of the server asks {@link #of}.
 *
 * <p>It starts from the connection's peer, which is the client a PROXY protocol header named when the listener
 * takes one ({@link ConnectionGate} believes such a header only from a trusted load balancer). Only that address
 * decides whether {@code X-Forwarded-For} is believed: while it is in {@code http.trusted-proxies}, the next
 * address to its left in {@code X-Forwarded-For} is taken, so the result is the right-most address that is not a
 * trusted proxy (each proxy appends the address it received the request from; only the part the trusted proxies
 * appended can be believed, a client writes what it likes to the left of it). When every address is a trusted proxy,
 * the left-most is taken; an entry that is not an IP address ends the walk at the last address established.
 * {@code Forwarded}, {@code X-Real-IP} and a {@code X-Forwarded-For} from any other peer are never read.
 *
 * <p>Thread-safe; immutable.
 */
public final class ClientAddress implements HttpHandler {
  private static final AttachmentKey<String> KEY = AttachmentKey.create(String.class);
  private static final HttpString X_FORWARDED_FOR = new HttpString("X-Forwarded-For");
  /** Hops walked at most; the header is bounded by the request head's 16 KiB anyway. */
  static final int MAX_HOPS = 32;

  private final List<Cidr> trustedProxies;
  private final HttpHandler next;

  /** @param trustedProxies {@code http.trusted-proxies}; empty: the peer is always the client */
  public ClientAddress(List<Cidr> trustedProxies, HttpHandler next) {
    this.trustedProxies = List.copyOf(trustedProxies);
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    InetAddress peer = peer(exchange);
    if (peer != null) {
      exchange.putAttachment(KEY, resolve(peer, exchange.getRequestHeaders().get(X_FORWARDED_FOR)).getHostAddress());
    }
    next.handleRequest(exchange);
  }

  /** The client's address of {@code exchange} as text ({@code 192.0.2.1}, {@code 2001:db8:0:0:0:0:0:1}); null if unknown. */
  public static String of(HttpServerExchange exchange) {
    String a = exchange.getAttachment(KEY);
    if (a != null) return a;
    InetAddress peer = peer(exchange);
    return peer == null ? null : peer.getHostAddress();
  }

  private static InetAddress peer(HttpServerExchange exchange) {
    InetSocketAddress a = exchange.getSourceAddress();
    return a == null ? null : a.getAddress();
  }

  /** The client behind {@code peer}, given the {@code X-Forwarded-For} headers in the order received (or null). */
  InetAddress resolve(InetAddress peer, List<String> forwardedFor) {
    InetAddress client = peer;
    if (forwardedFor == null || forwardedFor.isEmpty() || !isTrusted(client)) return client;
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      for (String hop : header.split(",", -1)) hops.add(hop.trim());
    }
    for (int i = hops.size() - 1, walked = 0; i >= 0 && walked < MAX_HOPS; i--, walked++) {
      InetAddress hop = parse(hops.get(i));
      if (hop == null) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  }

  private InetAddress resolve(InetAddress peer, HeaderValues forwardedFor) {
    return resolve(peer, forwardedFor == null ? null : List.copyOf(forwardedFor));
  }

  boolean isTrusted(InetAddress a) {
    for (Cidr c : trustedProxies) if (c.contains(a)) return true;
    return false;
  }

  /**
   * An {@code X-Forwarded-For} entry as an address: {@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code 2001:db8::1},
   * {@code [2001:db8::1]} or {@code [2001:db8::1]:4711}; null for anything else (never a name lookup).
   */
  static InetAddress parse(String hop) {
    String h = hop;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      if (end < 0) return null;
      String rest = h.substring(end + 1);
      if (!rest.isEmpty() && !rest.matches(":[0-9]{1,5}")) return null;
      h = h.substring(1, end);
    } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
      if (!h.substring(h.indexOf(':')).matches(":[0-9]{1,5}")) return null;
      h = h.substring(0, h.indexOf(':')); // IPv4 with a port
    }
    byte[] bytes = Cidr.literal(h);
    if (bytes == null) return null;
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
