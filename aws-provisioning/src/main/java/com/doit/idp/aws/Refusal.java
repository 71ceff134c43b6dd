package com.doit.idp.aws;

/**
 * A step's refusal to touch what it must not (a role or policy we did not make, the provider quota): the reason
 * alone, in words for a person. {@link StepRunner} frames it with the operation and with what was done, so the
 * reason reads the same whether it came before any change or in the middle of a run.
 */
final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ProvisioningException.Kind kind;

  Refusal(ProvisioningException.Kind kind, String reason) {
    super(reason, null, false, false);
    this.kind = kind;
  }

  Refusal(String reason) {
    this(ProvisioningException.Kind.REFUSED, reason);
  }

  ProvisioningException.Kind kind() {
    return kind;
  }
}
