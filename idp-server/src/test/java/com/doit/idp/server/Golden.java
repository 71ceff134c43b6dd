package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;

/**
 * Golden JSON files under {@code src/test/resources/golden/}. {@code ${name}} placeholders are replaced before
 * comparing, for values that differ per run (kids, moduli, request ids). Compared as parsed JSON, member order aside.
 */
public final class Golden {
  private Golden() {}

  public static String read(String name, Map<String, String> values) {
    try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) throw new AssertionError("no golden file " + name);
      String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> e : values.entrySet()) s = s.replace("${" + e.getKey() + "}", e.getValue());
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void assertMatches(String name, Map<String, String> values, String actualJson) {
    try {
      Map<String, Object> expected = JSONObjectUtils.parse(read(name, values));
      Map<String, Object> actual = JSONObjectUtils.parse(actualJson);
      assertEquals(expected, actual, "golden " + name + " differs; actual: " + actualJson);
    } catch (ParseException e) {
      throw new AssertionError("not JSON: " + actualJson, e);
    }
  }

  public static void assertMatches(String name, String actualJson) {
    assertMatches(name, Map.of(), actualJson);
  }
}
