package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {
  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByAddress(Cidr.literal(s));
  }

  @Test
  void aNetworkContainsItsAddressesAndNoOthers() throws Exception {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    assertTrue(ten.contains(ip("10.255.1.2")));
    assertFalse(ten.contains(ip("11.0.0.1")));
    assertFalse(ten.contains(ip("::ffff:1:2")));
    Cidr one = Cidr.parse("192.168.1.7");
    assertTrue(one.contains(ip("192.168.1.7")));
    assertFalse(one.contains(ip("192.168.1.8")));
    Cidr v6 = Cidr.parse("2001:db8::/32");
    assertTrue(v6.contains(ip("2001:db8:1::5")));
    assertFalse(v6.contains(ip("2001:db9::5")));
    assertEquals("10.0.0.0/8", Cidr.parse("10.1.2.3/8").toString());
  }

  @Test
  void onlyIpLiteralsAreAcceptedNeverNames() {
    for (String bad : new String[] {"localhost", "127.evil.example", "10.0.0.256", "10.0.0.0/", "10.0.0.0/x",
        "1.2.3.4/33", "::1/129", "", "[::1"}) {
      assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
    }
    assertNull(Cidr.literal("127.evil.example"));
    assertNull(Cidr.literal("127.0.0.1.nip.io"));
  }
}
