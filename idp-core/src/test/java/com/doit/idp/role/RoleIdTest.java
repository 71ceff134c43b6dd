package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoleIdTest {
  @Test
  void parsesAccountSlashEngineer() {
    assertEquals(new RoleId("123456789012", "jane.doe"), RoleId.parse("123456789012/jane.doe"));
    assertEquals("123456789012/jane.doe", RoleId.parse("123456789012/jane.doe").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "123456789012", "123456789012/", "/jane", "12345678901/jane", "1234567890123/jane",
      "12345678901a/jane", "123456789012/Jane", "123456789012/-jane", "123456789012/jane/x", "123456789012/ja ne",
      "123456789012/../x", "123456789012/j%2Fx", "123456789012/jané", "١٢٣٤٥٦٧٨٩٠١٢/jane"})
  void refusesAnythingElse(String text) {
    assertThrows(IllegalArgumentException.class, () -> RoleId.parse(text));
  }

  @Test
  void engineerIdsAreOneToFiftyOneCharacters() {
    RoleId.parse("123456789012/" + "a".repeat(51));
    assertThrows(IllegalArgumentException.class, () -> RoleId.parse("123456789012/" + "a".repeat(52)));
  }

  @Test
  void anEmailAddressIsAnEngineerIdSoThatSeveralDomainsNeverShareOne() {
    RoleId bob = RoleId.parse("123456789012/bob@doit.com");
    assertEquals("bob@doit.com", bob.engineer());
    assertEquals(new RoleId("123456789012", "bob@doit-intl.com"), RoleId.parse("123456789012/bob@doit-intl.com"));
    for (String bad : new String[] {"@doit.com", "Bob@doit.com", "bob@doit.com/x", "bob@d\u00f6it.com"}) {
      assertThrows(IllegalArgumentException.class, () -> RoleId.parse("123456789012/" + bad), bad);
    }
  }

  @Test
  void anEngineerIdOverFiftyOneCharactersIsRefusedWithAMessageSayingSo() {
    String longest = "a".repeat(40) + "@doit.co.uk";
    assertEquals(51, longest.length());
    RoleId.parse("123456789012/" + longest);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RoleId("123456789012", "a".repeat(41) + "@doit.co.uk"));
    assertTrue(e.getMessage().contains("51"), e.getMessage());
  }
}
