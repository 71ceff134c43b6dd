package com.doit.idp.hsm;

import com.doit.idp.role.HsmException;
import iaik.pkcs.pkcs11.TokenException;
import iaik.pkcs.pkcs11.wrapper.Functions;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import java.util.Set;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * PKCS#11 return codes: their names, and which of them mean that the device, the token or our sessions are gone (so
 * the store must reconnect) rather than that one request was refused. Stateless.
 */
final class Pkcs11Errors {
  /**
   * Codes after which nothing on the current sessions can work again: the device or token went away, the library
   * lost its state, or the login vanished (an HSM restart logs everyone out).
   */
  private static final Set<Long> GONE = Set.of(
      PKCS11Constants.CKR_DEVICE_ERROR,
      PKCS11Constants.CKR_DEVICE_REMOVED,
      PKCS11Constants.CKR_DEVICE_MEMORY,
      PKCS11Constants.CKR_TOKEN_NOT_PRESENT,
      PKCS11Constants.CKR_TOKEN_NOT_RECOGNIZED,
      PKCS11Constants.CKR_SESSION_HANDLE_INVALID,
      PKCS11Constants.CKR_SESSION_CLOSED,
      PKCS11Constants.CKR_SESSION_COUNT,
      PKCS11Constants.CKR_CRYPTOKI_NOT_INITIALIZED,
      PKCS11Constants.CKR_GENERAL_ERROR,
      PKCS11Constants.CKR_FUNCTION_FAILED,
      PKCS11Constants.CKR_USER_NOT_LOGGED_IN,
      PKCS11Constants.CKR_SLOT_ID_INVALID);

  private Pkcs11Errors() {}

  static String name(long code) {
    String s = Functions.errorCodeToString(code);
    return s == null ? String.format("CKR_0x%08X", code) : s;
  }

  /** The return code of a wrapper or JDK exception, or -1 when there is none (an I/O or wrapper failure). */
  static long code(Throwable e) {
    if (e instanceof iaik.pkcs.pkcs11.wrapper.PKCS11Exception pe) return pe.getErrorCode();
    if (e instanceof PKCS11Exception pe) return pe.getErrorCode();
    if (e instanceof TokenException te && te.getEncapsulatedException() != null) {
      return code(te.getEncapsulatedException());
    }
    return -1;
  }

  /** True when the failure means our sessions (or the whole device) are gone; unknown failures count as gone. */
  static boolean isGone(Throwable e) {
    long c = code(e);
    return c < 0 || GONE.contains(c);
  }

  /**
   * An {@link HsmException} naming the operation and the return code only. The original exception is not attached:
   * its message is the library's free text, and nothing guarantees it never echoes an argument.
   */
  static HsmException toHsmException(String operation, Throwable e) {
    long c = code(e);
    return new HsmException(operation + ": " + (c < 0 ? "library failure (" + e.getClass().getSimpleName() + ")" : name(c)));
  }
}
