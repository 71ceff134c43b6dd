package com.doit.idp.aws;

import java.util.List;

/**
 * One resource of a support role in the customer's account (the OIDC provider, the support policy, the role with
 * its attachments): the IAM calls each operation may make on it, and what each checks before changing anything.
 * Provisioning runs the steps forwards, deprovisioning backwards ({@link StepRunner}). An instance serves one role.
 */
interface ResourceStep {
  /** Every call {@link #beforeProvision} and its changes may make, in order; makes no call. */
  List<IamCall> provisionCalls();

  /** Every call {@link #beforeDeprovision} and its changes may make, in order; makes no call. */
  List<IamCall> deprovisionCalls();

  /**
   * Reads the resource and returns the changes that would make it as provisioning leaves it, without making them.
   *
   * @throws Refusal when the resource is not ours to change, or cannot be created
   */
  List<Change> beforeProvision(IamSession s);

  /** Reads the resource and returns the changes that would remove it. @throws Refusal as above */
  List<Change> beforeDeprovision(IamSession s);
}
