package com.doit.idp.awsops;

import java.time.Instant;

/**
 * Temporary AWS credentials as STS returns them. {@link #toString} hides the secret and the session token.
 * Immutable.
 */
record AwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {

  /** The {@code credential_process} answer: {@code Version} 1, the three values, {@code Expiration} in ISO 8601. */
  String credentialProcessJson() {
    return "{\"Version\": 1, \"AccessKeyId\": " + quote(accessKeyId) + ", \"SecretAccessKey\": " + quote(secretAccessKey)
        + ", \"SessionToken\": " + quote(sessionToken) + ", \"Expiration\": " + quote(expiration.toString()) + "}";
  }

  /** A JSON string (the values are ASCII from STS; anything else is escaped all the same). */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  @Override
  public String toString() {
    return "AwsCredentials[" + accessKeyId + ", expires " + expiration + "]";
  }
}
