package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import java.util.List;
import java.util.Objects;

/**
 * What one provisioning operation did, step by step, in the order it did it. Immutable and thread-safe.
 */
public record Report(RoleId role, Plan.Operation operation, List<Step> steps) {
  /** What happened to one resource. */
  public enum Outcome {
    CREATED("created"),
    UPDATED("updated"),
    ALREADY_PRESENT("already present"),
    DELETED("deleted"),
    ALREADY_ABSENT("already absent");

    private final String words;

    Outcome(String words) {
      this.words = words;
    }

    public String words() {
      return words;
    }

    public boolean changed() {
      return this == CREATED || this == UPDATED || this == DELETED;
    }
  }

  /** One resource and what happened to it. */
  public record Step(String what, String resourceArn, Outcome outcome) {
    public Step {
      Objects.requireNonNull(what, "what");
      Objects.requireNonNull(resourceArn, "resourceArn");
      Objects.requireNonNull(outcome, "outcome");
    }

    public String line() {
      return outcome.words() + ": " + what + " (" + resourceArn + ")";
    }
  }

  public Report {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(operation, "operation");
    steps = List.copyOf(steps);
  }

  /** True when at least one step changed the account. */
  public boolean changed() {
    return steps.stream().anyMatch(s -> s.outcome().changed());
  }

  /** A closing sentence: what changed, or that nothing had to. */
  public String summary() {
    long n = steps.stream().filter(s -> s.outcome().changed()).count();
    if (n == 0) {
      return operation.word() + " " + role + ": nothing to change, the account was already as "
          + operation.word() + " leaves it";
    }
    return operation.word() + " " + role + ": " + n + " change" + (n == 1 ? "" : "s") + " made";
  }
}
