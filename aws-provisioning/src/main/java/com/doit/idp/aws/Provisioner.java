package com.doit.idp.aws;

import com.doit.idp.role.RoleId;

/**
 * Sets up and removes a support role's resources in the customer's AWS account, through the management role only
 * (docs/PROVISIONING.md). Implementations are thread-safe.
 *
 * <p>Every method checks its whole {@link Plan} against the management role's policy before it makes any call, and
 * throws {@link ProvisioningException} (kind {@code REFUSED}) when the plan needs more. Both operations are
 * idempotent: rerun after a failure, they finish what is left.
 */
public interface Provisioner {
  /** The IAM calls {@link #provision} may make; makes no call. Throws {@link ProvisioningException} when refused. */
  Plan plan(RoleId role);

  /** The IAM calls {@link #deprovision} may make; makes no call. */
  Plan deprovisionPlan(RoleId role);

  /** Creates what is missing: OIDC provider, support policy, role, the two attachments. */
  Report provision(RoleId role);

  /** Removes exactly what {@link #provision} creates, in reverse order, and nothing else. */
  Report deprovision(RoleId role);

  /**
   * Looks into {@code account} live: assumes its management role and makes one read call its policy allows (lists
   * the OIDC providers). Changes nothing, and never throws for what AWS answers: a refusal or an outage is an
   * {@link AccountCheck} that is not assumable, with a reason the customer can act on.
   *
   * @throws IllegalArgumentException when {@code account} is not 12 digits
   */
  AccountCheck check(String account);
}
