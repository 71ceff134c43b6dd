package com.doit.idp.awsops;

import java.time.Clock;
import java.time.Duration;

/**
 * The cached SSO sign-in ({@code sso.json}): used until 60 s before its ID token expires, then renewed with the
 * refresh token when the SSO gave one, silently and once for all processes (a lock: a refresh token may be good for
 * one use only). Never opens a browser: without a usable sign-in it throws {@link NotSignedInException}.
 * Thread-safe.
 */
final class SsoSignIn {
  private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

  private final Settings settings;
  private final CacheDir cache;
  private final Clock clock;
  private final SsoClient sso;

  SsoSignIn(Settings settings, CacheDir cache, Clock clock, SsoClient sso) {
    this.settings = settings;
    this.cache = cache;
    this.clock = clock;
    this.sso = sso;
  }

  /** The cached sign-in of these settings, whatever its age, or null. */
  SsoSession cached() {
    byte[] file = cache.read(SsoSession.FILE);
    SsoSession s = file == null ? null : SsoSession.fromJson(file);
    return s != null && s.belongsTo(settings) ? s : null;
  }

  /** A sign-in whose ID token is good for at least another 60 s: the cached one, or a renewed one. */
  SsoSession current() {
    SsoSession s = cached();
    if (s == null) throw new NotSignedInException("no sign-in cached");
    if (s.usableAt(clock.instant())) return s;
    return renew(s, false);
  }

  /**
   * A renewed sign-in. {@code refused}: the token service refused {@code stale} although it had not expired by our
   * clock (the server's {@code sso.max-age}, a clock apart): renew it whatever its expiry.
   */
  SsoSession renew(SsoSession stale, boolean refused) {
    String why = refused ? "the token service refused the SSO sign-in" : "the SSO sign-in expired";
    if (stale.refreshToken() == null) throw new NotSignedInException(why + " and the SSO gave no refresh token");
    try (CacheDir.Held lock = cache.lock("sso", LOCK_WAIT)) {
      // Another process may have renewed it while we waited for the lock.
      SsoSession now = cached();
      if (now == null) throw new NotSignedInException("signed out meanwhile");
      if (!now.idToken().equals(stale.idToken()) && now.usableAt(clock.instant())) return now;
      SsoSession renewed = sso.refresh(now);
      if (renewed == null) {
        // The refresh token is spent or revoked: keep nothing that would be tried again.
        cache.delete(SsoSession.FILE);
        throw new NotSignedInException(why + " and the SSO refused to renew it");
      }
      if (!renewed.usableAt(clock.instant())) throw new NotSignedInException("the SSO renewed the sign-in with a token that is about to expire");
      save(renewed);
      return renewed;
    }
  }

  void save(SsoSession s) {
    cache.write(SsoSession.FILE, s.toJson());
  }

  boolean forget() {
    return cache.delete(SsoSession.FILE);
  }
}
