package com.doit.idp.server.lifecycle;

import com.doit.idp.server.sso.SsoTestIssuer;

/**
 * One mock-oauth2-server for all lifecycle test classes of this JVM: starting one costs seconds, and these tests
 * only need it as a real issuer of signing keys. Stopped when the JVM exits. Thread-safe.
 */
final class SharedSso {
  private static SsoTestIssuer issuer;

  private SharedSso() {}

  static synchronized SsoTestIssuer get() {
    if (issuer == null) {
      SsoTestIssuer started = new SsoTestIssuer();
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "lifecycle-sso-stop"));
      issuer = started;
    }
    return issuer;
  }
}
