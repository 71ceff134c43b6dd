package com.doit.idp.server.hook;

/**
 * A hook request that could not be finished for a reason that may pass (a signing certificate or the
 * {@code ResponseURL} could not be reached): the web layer answers 503, so SNS delivers the message again later,
 * and the redelivery finishes the work or repeats the same answer. The message names no URL query and no secret.
 */
public final class HookUnavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  HookUnavailable(String message) {
    super(message, null, false, false);
  }
}
