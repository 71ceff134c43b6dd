package com.doit.idp.role;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.Locale;

/** The two key types a role can have (aws-sts-rules.md section 3): RS256 on RSA-2048 and ES256 on P-256. */
public enum SigningAlgorithm {
  RS256(JWSAlgorithm.RS256),
  ES256(JWSAlgorithm.ES256);

  private final JWSAlgorithm jws;

  SigningAlgorithm(JWSAlgorithm jws) {
    this.jws = jws;
  }

  public JWSAlgorithm jws() {
    return jws;
  }

  /** Parses {@code RS256} or {@code ES256}, case-insensitively; anything else is an {@link IllegalArgumentException}. */
  public static SigningAlgorithm parse(String text) {
    if (text != null) {
      for (SigningAlgorithm a : values()) {
        if (a.name().equals(text.trim().toUpperCase(Locale.ROOT))) return a;
      }
    }
    throw new IllegalArgumentException("algorithm must be RS256 or ES256");
  }
}
