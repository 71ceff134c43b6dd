package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.doit.idp.config.Cidr;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address is the client's, given the peer, the trusted proxies and {@code X-Forwarded-For}. */
class ClientAddressTest {
  private final ClientAddress behindBalancers = new ClientAddress(
      List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8:ffff::/48")), ex -> {});
  private final ClientAddress direct = new ClientAddress(List.of(), ex -> {});

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByAddress(Cidr.literal(s));
  }

  private String client(ClientAddress c, String peer, String... forwardedFor) throws Exception {
    return c.resolve(ip(peer), forwardedFor.length == 0 ? null : List.of(forwardedFor)).getHostAddress();
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() throws Exception {
    assertEquals("192.0.2.1", client(behindBalancers, "192.0.2.1", "198.51.100.7"));
    assertEquals("192.0.2.1", client(direct, "192.0.2.1", "198.51.100.7"));
    assertEquals("10.1.2.3", client(direct, "10.1.2.3", "198.51.100.7"), "no trusted proxies: nobody is believed");
  }

  @Test
  void aTrustedPeerNamesTheRightMostAddressThatIsNotATrustedProxy() throws Exception {
    assertEquals("198.51.100.7", client(behindBalancers, "10.0.0.5", "198.51.100.7"));
    // the client wrote "1.2.3.4" itself; the balancer appended what it saw
    assertEquals("198.51.100.7", client(behindBalancers, "10.0.0.5", "1.2.3.4, 198.51.100.7"));
    // two balancers in a row: skip both
    assertEquals("198.51.100.7", client(behindBalancers, "10.0.0.5", "1.2.3.4, 198.51.100.7, 10.9.9.9"));
    // several headers count in the order received
    assertEquals("198.51.100.7", client(behindBalancers, "10.0.0.5", "1.2.3.4", "198.51.100.7, 10.9.9.9"));
  }

  @Test
  void portsBracketsAndIpv6AreUnderstood() throws Exception {
    assertEquals("198.51.100.7", client(behindBalancers, "10.0.0.5", "198.51.100.7:4711"));
    assertEquals("2001:db8:0:0:0:0:0:7", client(behindBalancers, "10.0.0.5", "[2001:db8::7]:4711"));
    assertEquals("2001:db8:0:0:0:0:0:7", client(behindBalancers, "10.0.0.5", "2001:db8::7"));
    assertEquals("2001:db8:0:0:0:0:0:7", client(behindBalancers, "2001:db8:ffff::1", "2001:db8::7"));
  }

  @Test
  void aGarbageHopEndsTheWalkAtTheLastAddressEstablished() throws Exception {
    assertEquals("10.0.0.5", client(behindBalancers, "10.0.0.5", "unknown"));
    assertEquals("10.9.9.9", client(behindBalancers, "10.0.0.5", "evil.example, 10.9.9.9"));
    assertEquals("10.0.0.5", client(behindBalancers, "10.0.0.5", ""));
    assertEquals("10.0.0.5", client(behindBalancers, "10.0.0.5", "1.2.3.4:port"));
  }

  @Test
  void whenEveryHopIsTrustedTheLeftMostIsTaken() throws Exception {
    assertEquals("10.1.1.1", client(behindBalancers, "10.0.0.5", "10.1.1.1, 10.2.2.2"));
  }

  @Test
  void entriesThatAreNotAddressesAreRefused() {
    for (String bad : List.of("", "unknown", "example.com", "1.2.3", "1.2.3.4.5", "[::1", "[::1]x", "1.2.3.4:",
        "1.2.3.4:123456", "_hidden", "::1:80]")) {
      assertNull(ClientAddress.parse(bad), bad);
    }
  }
}
