package com.doit.idp.aws;

import java.util.Map;
import java.util.Objects;

/**
 * One IAM call that provisioning may make: the IAM action ({@code iam:CreateRole}), the ARN IAM authorizes it
 * against ({@code *} for the account-wide list calls), the condition keys IAM sets for it that the management
 * policy may test ({@code iam:PolicyARN} of an attachment; empty for most calls), and what it is for. Immutable and
 * thread-safe.
 */
public record IamCall(String action, String resourceArn, Map<String, String> context, String description) {
  public IamCall {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resourceArn, "resourceArn");
    Objects.requireNonNull(description, "description");
    context = Map.copyOf(context);
    if (!action.startsWith("iam:")) throw new IllegalArgumentException("not an IAM action: " + action);
  }

  /** A call with no condition key of its own. */
  public IamCall(String action, String resourceArn, String description) {
    this(action, resourceArn, Map.of(), description);
  }

  /** {@code iam:CreateRole on arn:aws:iam::...:role/...}: the words an error or a log line uses for this call. */
  public String target() {
    if (context.isEmpty()) return action + " on " + resourceArn;
    return action + " on " + resourceArn + " with " + new java.util.TreeMap<>(context);
  }

  /** True when this is the call {@code action} on {@code resourceArn} with exactly {@code context}. */
  boolean is(String action, String resourceArn, Map<String, String> context) {
    return this.action.equals(action) && this.resourceArn.equals(resourceArn) && this.context.equals(context);
  }
}
