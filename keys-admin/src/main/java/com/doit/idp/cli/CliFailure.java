package com.doit.idp.cli;

/** A command cannot do what was asked; the message is the one line the operator sees, and names no secret. */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliFailure(String message) {
    super(message);
  }
}
