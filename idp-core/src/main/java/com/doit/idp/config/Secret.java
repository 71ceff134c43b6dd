package com.doit.idp.config;

import java.util.Arrays;

/** A secret value (the HSM PIN, the admin token). Its {@code toString} never shows it. */
public final class Secret {
  private final char[] value;

  public Secret(char[] value) {
    this.value = value.clone();
  }

  /** A copy of the secret; callers wipe it when done where they can. */
  public char[] reveal() {
    return value.clone();
  }

  /** Compares in time independent of where the first difference is. */
  public boolean matches(char[] candidate) {
    if (candidate == null) return false;
    int diff = candidate.length ^ value.length;
    for (int i = 0; i < candidate.length; i++) {
      diff |= candidate[i] ^ value[i % Math.max(1, value.length)];
    }
    return diff == 0 && value.length > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && Arrays.equals(value, s.value);
  }

  @Override
  public int hashCode() {
    return 0;
  }

  @Override
  public String toString() {
    return "[redacted]";
  }
}
