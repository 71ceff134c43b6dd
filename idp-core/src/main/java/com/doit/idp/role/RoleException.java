package com.doit.idp.role;

/**
 * An operator or API request about a role that cannot be done as asked: the role exists already, does not exist,
 * would exceed a limit, or the input is out of range. The message is for a person and names no secret.
 */
public class RoleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, so that the HTTP layer picks a status and the command line an exit code. */
  public enum Kind { NOT_FOUND, CONFLICT, INVALID, CAPACITY }

  private final Kind kind;

  public RoleException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
