package com.doit.idp.aws;

import java.util.List;

/**
 * A provisioning operation that was refused or stopped. The message is one line for a person: why, what was done,
 * what is left and how to finish; it names no credential. {@link #done()} and {@link #left()} give the same as data.
 * A {@link Kind#REFUSED} or {@link Kind#QUOTA} exception means nothing in the account was changed.
 */
public class ProvisioningException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why it stopped, so that the command line and the admin API can pick an exit code or a status. */
  public enum Kind {
    /** The plan needs more than the management policy allows, or the account holds something we must not touch. */
    REFUSED,
    /** The account has as many OIDC providers as IAM allows (100). */
    QUOTA,
    /** AWS denied a call or the assumption of the management role. */
    ACCESS_DENIED,
    /** AWS answered with another error (after the retries the SDK makes for throttling and server errors). */
    AWS_ERROR,
    /** AWS could not be reached. */
    UNREACHABLE
  }

  private final Kind kind;
  private final transient List<Report.Step> done;
  private final transient List<String> left;

  public ProvisioningException(Kind kind, String message, List<Report.Step> done, List<String> left, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.done = List.copyOf(done);
    this.left = List.copyOf(left);
  }

  public ProvisioningException(Kind kind, String message) {
    this(kind, message, List.of(), List.of(), null);
  }

  public Kind kind() {
    return kind;
  }

  /** The steps finished before the failure; empty when nothing was changed. */
  public List<Report.Step> done() {
    return done;
  }

  /** The steps not done, the failed one first; empty when the failure was before any step. */
  public List<String> left() {
    return left;
  }
}
