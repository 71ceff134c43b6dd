package com.doit.idp.server.sso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The key under which an accepted SSO token is kept. */
class VerifiedTokensTest {
  private static ByteBuffer sha256(byte[] bytes) throws Exception {
    return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void theKeyOfACompactTokenIsTheSha256OfItsBytesWhateverItsLength() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int length : List.of(1, 2, 1021, 1022, 1023, 1024, 1025, 3000, 16 * 1024)) {
      StringBuilder b = new StringBuilder();
      String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
      for (int i = 0; i < length; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      String token = b.toString();
      assertEquals(sha256(token.getBytes(StandardCharsets.US_ASCII)), VerifiedTokens.key(token),
          () -> "length " + length + ", seed " + seed);
    }
  }

  @Test
  void stringsThatDifferGetDifferentKeysNonAsciiIncluded() {
    List<String> texts = List.of("a.b.c", "a.b.d", "a.b.c ", "\u00ff", "\u00ff\u0000\u00ff", "?", "\u0141",
        "\u0001A", "\u00ffA", "eyJ\u212A", "eyJK", "eyJk", "");
    Set<ByteBuffer> keys = new HashSet<>();
    for (String t : texts) keys.add(VerifiedTokens.key(t));
    assertEquals(texts.size(), keys.size());
    assertEquals(VerifiedTokens.key("same"), VerifiedTokens.key(new String("same")));
    assertNotEquals(VerifiedTokens.key("x".repeat(2000)), VerifiedTokens.key("x".repeat(2001)));
  }
}
