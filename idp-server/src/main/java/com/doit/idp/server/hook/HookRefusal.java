package com.doit.idp.server.hook;

/**
 * A hook request refused: the SNS message could not be verified ({@link Kind#FORBIDDEN}), or it or the CloudFormation
 * request inside it is malformed or not ours to act on ({@link Kind#MALFORMED}). The reason is short, for the audit
 * line and the error description, and names no certificate, key or signature. Nothing was done and no outbound call
 * follows a refusal (a signing certificate may have been fetched to find a signature bad).
 */
public final class HookRefusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What the web layer answers: 403 for a message that is not proven to come from SNS, 400 for a malformed one. */
  public enum Kind {
    FORBIDDEN, MALFORMED
  }

  private final Kind kind;
  private final String account;

  HookRefusal(Kind kind, String reason, String account) {
    super(reason, null, false, false);
    this.kind = kind;
    this.account = account;
  }

  static HookRefusal forbidden(String reason) {
    return new HookRefusal(Kind.FORBIDDEN, reason, null);
  }

  static HookRefusal malformed(String reason) {
    return new HookRefusal(Kind.MALFORMED, reason, null);
  }

  /** The same refusal, naming the customer account it concerned (for the audit line). */
  HookRefusal about(String account) {
    return new HookRefusal(kind, getMessage(), account);
  }

  public Kind kind() {
    return kind;
  }

  public String reason() {
    return getMessage();
  }

  /** The account named by the request, when it got that far; null otherwise. */
  public String account() {
    return account;
  }
}
