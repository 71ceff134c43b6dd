package com.doit.idp.role;

/**
 * The HSM did not do what was asked: it is unreachable, refused, or full. Messages never carry a PIN, a key or
 * a token; they name the operation and the PKCS#11 return code.
 */
public class HsmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HsmException(String message) {
    super(message);
  }

  public HsmException(String message, Throwable cause) {
    super(message, cause);
  }
}
