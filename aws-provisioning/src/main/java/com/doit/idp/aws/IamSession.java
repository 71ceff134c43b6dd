package com.doit.idp.aws;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * An IAM client acting as the management role in one customer account, that sends only the calls of one checked
 * {@link Plan}: a call outside the plan is a bug and is refused before it is sent. Not thread-safe: one operation
 * uses it, then closes it.
 */
final class IamSession implements AutoCloseable {
  private final IamClient iam;
  private final Plan plan;
  private IamCall current;

  IamSession(IamClient iam, Plan plan) {
    this.iam = iam;
    this.plan = plan;
  }

  /** Sends one planned call. AWS's exceptions pass through; {@link #current()} then names the call. */
  <T> T call(String action, String resourceArn, Function<IamClient, T> call) {
    return call(action, resourceArn, Map.of(), call);
  }

  /** Sends one planned call whose condition keys are {@code context} (an attachment's {@code iam:PolicyARN}). */
  <T> T call(String action, String resourceArn, Map<String, String> context, Function<IamClient, T> call) {
    // Every call must have been checked against the management policy before the first one was made.
    current = plan.find(action, resourceArn, context).orElseThrow(() -> new IllegalStateException(
        action + " on " + resourceArn + (context.isEmpty() ? "" : " with " + context) + " is not in the checked plan"));
    return call.apply(iam);
  }

  /** Like {@link #call}, but IAM's {@code NoSuchEntity} is an empty answer. */
  <T> Optional<T> find(String action, String resourceArn, Function<IamClient, T> call) {
    try {
      return Optional.of(call(action, resourceArn, call));
    } catch (NoSuchEntityException e) {
      return Optional.empty();
    }
  }

  /** The last call sent or being sent; null before the first. */
  IamCall current() {
    return current;
  }

  @Override
  public void close() {
    iam.close();
  }
}
