package com.doit.idp.audit;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The audit log could not be written (a full disk, a read-only or vanished file system). A request whose line cannot
 * be written must not be answered as if it had been: the server answers {@code 503} and {@code keys-admin} changes
 * nothing. The message names the cause (for example {@code No space left on device}), never a token or a secret.
 */
public final class AuditLogException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  public AuditLogException(String message, IOException cause) {
    super(message, cause);
  }
}
