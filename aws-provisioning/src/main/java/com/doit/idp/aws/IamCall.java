package com.doit.idp.aws;

import java.util.Objects;

/**
 * One IAM call that provisioning may make: the IAM action ({@code iam:CreateRole}), the ARN IAM authorizes it
 * against ({@code *} for the account-wide list calls), and what it is for. Immutable and thread-safe.
 */
public record IamCall(String action, String resourceArn, String description) {
  public IamCall {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resourceArn, "resourceArn");
    Objects.requireNonNull(description, "description");
    if (!action.startsWith("iam:")) throw new IllegalArgumentException("not an IAM action: " + action);
  }

  /** {@code iam:CreateRole arn:aws:iam::...:role/...}: the words an error or a log line uses for this call. */
  public String target() {
    return action + " on " + resourceArn;
  }
}
