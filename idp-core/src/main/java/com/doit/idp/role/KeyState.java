package com.doit.idp.role;

import java.util.Locale;

/**
 * Where a key stands in a staged rotation (SPEC.md, "Key rotation and revocation").
 * NEXT: published, not yet signing. ACTIVE: published and signing. RETIRING: published, no longer
 * signing, kept until its last token has expired plus one JWKS max-age. RETIRED: neither; garbage.
 */
public enum KeyState {
  NEXT, ACTIVE, RETIRING, RETIRED;

  public boolean published() {
    return this != RETIRED;
  }

  /** The lower-case name used in JSON and on the command line. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
