package com.doit.idp.aws;

import com.doit.idp.config.Secret;
import com.doit.idp.role.RoleId;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Each customer account's {@code sts:ExternalId}, derived rather than stored: HMAC-SHA256 of the account id under
 * the secret of {@code aws.external-id-secret-file}, in lower-case hex (64 characters, within STS's 2..1224 of
 * {@code [\w+=,.@:/-]}). The same secret gives the same id on every replica and in {@code keys-admin}; a customer
 * cannot guess another account's id. Without a secret there is no external id (accounts whose stack requires none
 * keep working). Immutable and thread-safe; the secret never appears in {@code toString} or an error.
 */
public final class ExternalIds {
  private static final String ALGORITHM = "HmacSHA256";

  private final byte[] key; // null: no secret configured

  private ExternalIds(byte[] key) {
    this.key = key;
  }

  public static ExternalIds of(Optional<Secret> secret) {
    if (secret.isEmpty()) return new ExternalIds(null);
    char[] chars = secret.get().reveal();
    try {
      ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
      byte[] key = new byte[bytes.remaining()];
      bytes.get(key);
      if (bytes.hasArray()) Arrays.fill(bytes.array(), (byte) 0);
      return new ExternalIds(key);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  /** True when a secret is configured, so that every account has an external id. */
  public boolean configured() {
    return key != null;
  }

  /** The external id of {@code account} (12 digits), or empty without a secret. */
  public Optional<String> forAccount(String account) {
    if (!RoleId.isAccount(account)) throw new IllegalArgumentException("account must be 12 digits");
    if (key == null) return Optional.empty();
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return Optional.of(HexFormat.of().formatHex(mac.doFinal(account.getBytes(StandardCharsets.US_ASCII))));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "ExternalIds[" + (key == null ? "none" : "configured") + "]";
  }
}
