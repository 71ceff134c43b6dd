package com.doit.idp.config;

/**
 * Whether a host names this machine's loopback interface, decided by parsing, never by spelling: exactly
 * {@code localhost}, or an IP literal in {@code 127.0.0.0/8} or {@code ::1} (IPv4-mapped forms included). A name
 * that merely starts like one ({@code 127.evil.example}, {@code localhost.evil.example}) is a DNS name anyone can
 * point anywhere, so it is not loopback. Never resolves a name. Stateless; thread-safe.
 *
 * <p>Every place that allows plain {@code http://} on loopback asks this (docs/THREAT-MODEL.md, "Found by the
 * security review").
 */
public final class Loopback {
  private static final byte[] IPV6_LOOPBACK = new byte[16];

  static {
    IPV6_LOOPBACK[15] = 1;
  }

  private Loopback() {}

  /**
   * @param host a host as a URI gives it ({@code [::1]} with brackets) or as a listener address writes it (without);
   *     null is not loopback
   */
  public static boolean isLoopbackHost(String host) {
    if (host == null) return false;
    if (host.equalsIgnoreCase("localhost")) return true;
    byte[] ip = Cidr.literal(host);
    if (ip == null) return false;
    return ip.length == 4 ? ip[0] == 127 : java.util.Arrays.equals(ip, IPV6_LOOPBACK);
  }
}
