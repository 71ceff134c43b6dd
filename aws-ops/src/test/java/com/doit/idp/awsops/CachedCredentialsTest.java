package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache file's form and the cache-hit path of {@link Main}. */
class CachedCredentialsTest {
  private static final String JSON = "{\"Version\": 1, \"AccessKeyId\": \"ASIA1\", \"SecretAccessKey\": \"s\", "
      + "\"SessionToken\": \"t\", \"Expiration\": \"2026-01-01T01:00:00Z\"}";
  private static final Instant EXPIRES = Instant.parse("2026-01-01T01:00:00Z");

  @Test
  void credentialsAreFreshUntilFiveMinutesBeforeTheyExpire() {
    byte[] file = CachedCredentials.encode(EXPIRES, JSON);
    long last = EXPIRES.getEpochSecond() - 301;
    assertArrayEquals((JSON + "\n").getBytes(StandardCharsets.UTF_8), CachedCredentials.fresh(file, last));
    assertNull(CachedCredentials.fresh(file, last + 1));
    assertNull(CachedCredentials.fresh(file, EXPIRES.getEpochSecond() + 1));
  }

  @Test
  void aDamagedFileIsAMiss() {
    assertNull(CachedCredentials.fresh(null, 0));
    assertNull(CachedCredentials.fresh(new byte[0], 0));
    assertNull(CachedCredentials.fresh("1893456000".getBytes(StandardCharsets.UTF_8), 0));
    assertNull(CachedCredentials.fresh("18934x6000\n{}".getBytes(StandardCharsets.UTF_8), 0));
    assertNull(CachedCredentials.fresh("1893456000\nnot json".getBytes(StandardCharsets.UTF_8), 0));
    assertNull(CachedCredentials.fresh("99999999999999999999\n{\"a\":1}".getBytes(StandardCharsets.UTF_8), 0));
  }

  @Test
  void theCacheHitPathPrintsTheJsonOnlyForExactlyCredentialsAndOneAccount(@TempDir Path cache) throws Exception {
    Files.write(cache.resolve("credentials-111122223333"), CachedCredentials.encode(EXPIRES, JSON));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(CachedCredentials.printIfFresh(cache, "111122223333", EXPIRES.getEpochSecond() - 600, out));
    assertEquals(JSON + "\n", out.toString(StandardCharsets.UTF_8));
    assertFalse(CachedCredentials.printIfFresh(cache, "444455556666", 0, new ByteArrayOutputStream()));
    assertEquals("111122223333", Main.cacheHitAccount(new String[] {"credentials", "--account", "111122223333"}));
    assertEquals("111122223333", Main.cacheHitAccount(new String[] {"credentials", "--account=111122223333"}));
    assertNull(Main.cacheHitAccount(new String[] {"credentials", "--account", "11112222333"}));
    assertNull(Main.cacheHitAccount(new String[] {"credentials", "--account", "11112222333x"}));
    assertNull(Main.cacheHitAccount(new String[] {"credentials", "--account", "111122223333", "--help"}));
    assertNull(Main.cacheHitAccount(new String[] {"exec", "--account", "111122223333"}));
  }
}
