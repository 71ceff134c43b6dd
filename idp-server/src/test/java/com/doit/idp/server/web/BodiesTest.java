package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.doit.idp.server.ClientError;
import com.doit.idp.server.Generated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodiesTest {
  @Test
  void aFormKeepsRepeatedNamesInOrderAndDecodesPlusAndPercent() {
    assertEquals(Map.of("a", List.of("1", "2"), "b c", List.of("d/e")), Bodies.parseForm("a=1&b+c=d%2Fe&a=2"));
  }

  @Test
  void anEmptyBodyIsAnEmptyForm() {
    assertEquals(Map.of(), Bodies.parseForm(""));
    assertEquals(Map.of(), Bodies.parseForm("&&"));
  }

  @Test
  void badEscapesAreInvalidRequest() {
    for (String s : List.of("a=%", "a=%4", "a=%GG", "a=%FF", "%C3=1")) {
      ClientError e = assertThrows(ClientError.class, () -> Bodies.parseForm(s), s);
      assertEquals(400, e.status());
      assertEquals("invalid_request", e.error());
    }
  }

  @Test
  void moreThan32ParametersAreRefused() {
    String many = "a=1&".repeat(33);
    assertEquals(400, assertThrows(ClientError.class, () -> Bodies.parseForm(many)).status());
    assertEquals(List.of("1", "1"), Bodies.parseForm("a=1&a=1").get("a"));
  }

  /** Whatever the input, parsing either succeeds or refuses with a 400: never another exception. */
  @Test
  void anyInputParsesOrIsRefusedWith400() {
    // any text, and text made of the characters that matter to a form: separators and escapes
    Generated.Gen<String> bodies = Generated.weighted(
        1, Generated.anyString(200),
        1, Generated.stringOf("%&=+;aZ09fF\u00e9\u20ac\ud83d\ude00", 60));
    Generated.forAll("parseForm", 300, bodies, body -> {
      try {
        Bodies.parseForm(body);
      } catch (ClientError e) {
        assertEquals(400, e.status());
      }
    });
  }
}
