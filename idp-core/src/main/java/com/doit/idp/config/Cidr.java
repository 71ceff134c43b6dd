package com.doit.idp.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP network, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a network of one. Only IP
 * literals are accepted: a host name is refused (it would need a DNS lookup at start, and could change). Immutable.
 */
public record Cidr(byte[] network, int prefix) {

  public Cidr {
    network = network.clone();
  }

  /**
   * Parses {@code address[/prefix]}.
   *
   * @throws IllegalArgumentException for anything that is not an IPv4 or IPv6 literal with a prefix in range
   */
  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes = literal(addr);
    if (bytes == null) throw new IllegalArgumentException("'" + t + "' is not an IP address or CIDR");
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("[0-9]{1,3}")) throw new IllegalArgumentException("'" + t + "' has a bad prefix length");
      prefix = Integer.parseInt(p);
      if (prefix > max) throw new IllegalArgumentException("'" + t + "' has a prefix longer than " + max);
    }
    return new Cidr(mask(bytes, prefix), prefix);
  }

  /** The bytes of an IPv4 or IPv6 literal, or null for anything else (never resolves a name). */
  public static byte[] literal(String s) {
    if (s.isEmpty()) return null;
    String v = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    boolean v4 = v.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = v.contains(":") && v.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) return null;
    if (v4) {
      for (String part : v.split("\\.")) if (Integer.parseInt(part) > 255) return null;
    }
    try {
      // A literal of the forms checked above: getByName parses it without any lookup.
      return InetAddress.getByName(v).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) return false;
    return Arrays.equals(mask(a, prefix), network);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xff << (8 - bits)));
    }
    return out;
  }

  @Override
  public byte[] network() {
    return network.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
