package com.doit.idp.hsm;

import com.doit.idp.config.Secret;
import com.doit.idp.role.HsmBusyException;
import com.doit.idp.role.HsmException;
import iaik.pkcs.pkcs11.Session;
import iaik.pkcs.pkcs11.Slot;
import iaik.pkcs.pkcs11.Token;
import iaik.pkcs.pkcs11.TokenException;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fixed set of logged-in read/write sessions on one token. Its size is the server's limit on concurrent HSM work:
 * {@link #borrow()} waits a bounded time for a free session and then throws {@link HsmException} {@code "hsm busy"},
 * so that a flood of requests turns into fast errors instead of an ever-growing pile of blocked threads.
 *
 * <p>The user logs in once ({@code C_Login} is per application and token in PKCS#11, not per session). Closing the
 * pool closes its sessions but never calls {@code C_Logout}: that would log out every other store of this process
 * on the same token. Sessions belong to one {@link Pkcs11Library#generation()}; once the library is reinitialised
 * their handles may be reused for other stores' sessions, so a stale pool never touches them again.
 *
 * <p>Thread-safe. Callers hold {@link Pkcs11Library#use()} while they use a borrowed session.
 */
final class SessionPool {
  private final Pkcs11Library library;
  private final long generation;
  private final long slotId;
  private final BlockingQueue<Session> idle;
  private final List<Session> all;
  private final Duration borrowTimeout;
  private volatile boolean closed;

  private SessionPool(Pkcs11Library library, long generation, long slotId, List<Session> sessions, Duration borrowTimeout) {
    this.library = library;
    this.generation = generation;
    this.slotId = slotId;
    this.all = List.copyOf(sessions);
    this.idle = new ArrayBlockingQueue<>(sessions.size(), false, sessions);
    this.borrowTimeout = borrowTimeout;
  }

  /**
   * Finds the token by label, opens {@code size} sessions and logs the user in. The PIN copy is wiped before this
   * returns. Throws {@link HsmException} naming the step and the return code.
   */
  static SessionPool open(Pkcs11Library library, String tokenLabel, Secret pin, int size, Duration borrowTimeout) {
    if (size < 1) throw new IllegalArgumentException("session pool size must be at least 1");
    try (Pkcs11Library.Use u = library.use()) {
      long generation = library.generation();
      Token token = findToken(library, tokenLabel);
      List<Session> sessions = new ArrayList<>(size);
      try {
        for (int i = 0; i < size; i++) {
          sessions.add(token.openSession(Token.SessionType.SERIAL_SESSION, Token.SessionReadWriteBehavior.RW_SESSION,
              null, null));
        }
        login(sessions.get(0), pin);
      } catch (TokenException e) {
        closeQuietly(sessions);
        throw Pkcs11Errors.toHsmException(sessions.size() < size ? "open session" : "login", e);
      } catch (RuntimeException e) {
        closeQuietly(sessions);
        throw e;
      }
      return new SessionPool(library, generation, token.getSlot().getSlotID(), sessions, borrowTimeout);
    }
  }

  private static Token findToken(Pkcs11Library library, String tokenLabel) {
    Slot[] slots;
    try {
      slots = library.module().getSlotList(true);
    } catch (TokenException e) {
      throw Pkcs11Errors.toHsmException("slot list", e);
    }
    for (Slot slot : slots) {
      try {
        Token token = slot.getToken();
        // Token labels are blank-padded to 32 characters in CK_TOKEN_INFO.
        if (token != null && tokenLabel.equals(token.getTokenInfo().getLabel().trim())) return token;
      } catch (TokenException e) {
        // A slot whose token vanished between the list and this call: not ours to report.
      }
    }
    throw new HsmException("connect: no token labelled '" + tokenLabel + "'");
  }

  private static void login(Session session, Secret pin) throws TokenException {
    char[] p = pin.reveal();
    try {
      session.login(Session.UserType.USER, p);
    } catch (TokenException e) {
      // Another store of this process on the same token logged in already: the login is shared, as intended.
      if (Pkcs11Errors.code(e) != PKCS11Constants.CKR_USER_ALREADY_LOGGED_IN) throw e;
    } finally {
      Arrays.fill(p, '\0');
    }
  }

  long generation() {
    return generation;
  }

  long slotId() {
    return slotId;
  }

  int size() {
    return all.size();
  }

  Pkcs11Library library() {
    return library;
  }

  /** True while the sessions are usable: not closed, and the library was not reinitialised under them. */
  boolean live() {
    return !closed && library.generation() == generation;
  }

  /**
   * A free session, waiting at most the borrow timeout. Throws {@link HsmException} {@code "hsm busy"} when none
   * frees up in time (the pool is saturated), or {@code "hsm session pool closed"}.
   */
  Session borrow() {
    if (closed) throw new HsmException("hsm session pool closed");
    Session s;
    try {
      s = idle.poll(borrowTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HsmBusyException("hsm busy (interrupted)");
    }
    if (s == null) throw new HsmBusyException("hsm busy");
    if (closed) {
      release(s);
      throw new HsmException("hsm session pool closed");
    }
    return s;
  }

  void release(Session s) {
    if (closed) {
      closeIfCurrent(List.of(s));
    } else {
      idle.offer(s);
    }
  }

  /** Closes the idle sessions now and borrowed ones when they come back. Idempotent. */
  void close() {
    closed = true;
    List<Session> drained = new ArrayList<>();
    idle.drainTo(drained);
    closeIfCurrent(drained);
  }

  private void closeIfCurrent(List<Session> sessions) {
    try (Pkcs11Library.Use u = library.use()) {
      // After a reinitialisation the same handles may name another store's new sessions: leave them alone.
      if (library.generation() != generation) return;
      closeQuietly(sessions);
    }
  }

  private static void closeQuietly(List<Session> sessions) {
    for (Session s : sessions) {
      try {
        s.closeSession();
      } catch (TokenException | RuntimeException e) {
        // The device may be gone; a session that cannot be closed is gone with it.
      }
    }
  }
}
