package com.doit.idp.awsops;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One account's cached credentials, file {@code credentials-<account>} in the cache folder: the first line is the
 * {@code Expiration} in epoch seconds, the rest is the {@code credential_process} JSON exactly as printed. That form
 * lets the cache hit (the AWS CLI runs {@code credential_process} before every command) answer with one file read
 * and no JSON parser, HTTP client or AWS SDK loaded. Public for bench's measurement of that path. Stateless.
 */
public final class CachedCredentials {
  /** Credentials are used until this long before their {@code Expiration} (docs/ENGINEERS.md "Caches"). */
  static final long REFRESH_BEFORE_SECONDS = 300;

  private CachedCredentials() {}

  public static String fileName(String account) {
    return "credentials-" + account;
  }

  /** The file's content for credentials that expire at {@code expiration}. */
  public static byte[] encode(Instant expiration, String credentialProcessJson) {
    return (expiration.getEpochSecond() + "\n" + credentialProcessJson + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The JSON to print when the file holds credentials still good at {@code nowSeconds} (more than
   * {@link #REFRESH_BEFORE_SECONDS} before they expire), else null: absent, stale or damaged.
   */
  static byte[] fresh(byte[] file, long nowSeconds) {
    if (file == null) return null;
    int nl = 0;
    while (nl < file.length && file[nl] != '\n') nl++;
    if (nl == 0 || nl > 19 || nl == file.length) return null;
    long expires = 0;
    for (int i = 0; i < nl; i++) {
      int d = file[i] - '0';
      if (d < 0 || d > 9) return null;
      expires = expires * 10 + d;
    }
    if (nowSeconds >= expires - REFRESH_BEFORE_SECONDS) return null;
    byte[] json = new byte[file.length - nl - 1];
    System.arraycopy(file, nl + 1, json, 0, json.length);
    return json.length > 2 && json[0] == '{' ? json : null;
  }

  /**
   * The cache hit, for {@link Main}: prints the account's cached credentials if they are fresh. Returns false when
   * they are not (the full command then runs); any trouble reading counts as a miss.
   */
  static boolean printIfFresh(Path cacheDir, String account, long nowSeconds, OutputStream out) {
    byte[] file;
    try {
      file = Files.readAllBytes(cacheDir.resolve(fileName(account)));
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return false;
    }
    byte[] json = fresh(file, nowSeconds);
    if (json == null) return false;
    try {
      out.write(json);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
