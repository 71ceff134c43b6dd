package com.doit.idp.aws;

/**
 * One change a {@link ResourceStep} found still to make, or found already made ({@code noop} set, no action): what
 * it is for a person, the ARN it concerns, and the calls that make it. Immutable.
 */
record Change(String what, String arn, Action action, Report.Outcome noop) {
  /** The IAM calls of one change; says what came of them. AWS's exceptions and {@link Refusal}s pass through. */
  @FunctionalInterface
  interface Action {
    Report.Outcome run();
  }

  static Change of(String what, String arn, Action action) {
    return new Change(what, arn, action, null);
  }

  static Change present(String what, String arn) {
    return new Change(what, arn, null, Report.Outcome.ALREADY_PRESENT);
  }

  static Change absent(String what, String arn) {
    return new Change(what, arn, null, Report.Outcome.ALREADY_ABSENT);
  }

  /** True when the account is already as wanted: nothing to call. */
  boolean isNoop() {
    return noop != null;
  }
}
