package com.doit.idp.hsm;

import static org.junit.jupiter.api.Assertions.fail;

import com.doit.idp.role.HsmException;

/** Assertions shared by the HSM tests. */
final class RoleKeyStoreAssertions {
  private RoleKeyStoreAssertions() {}

  /** Asserts that {@code action} fails with an {@link HsmException}, possibly wrapped (nimbus wraps it). */
  static HsmException assertHsmFailure(Action action) {
    try {
      action.run();
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof HsmException h) return h;
      }
      fail("expected an HsmException, got " + e);
    }
    return fail("expected an HsmException, nothing was thrown");
  }

  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }
}
