package com.doit.idp.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one operation's {@link ResourceStep}s in the order given (provisioning forwards, deprovisioning backwards):
 * first every step's checks, so that a refusal comes before any change, then the changes the checks found, in
 * order. A failure is explained in one line: which call, why, what was done, what is left, how to finish.
 * Stateless; one call per operation.
 */
final class StepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);
  private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "RequestLimitExceeded",
      "TooManyRequestsException");

  private final String issuer;

  /** @param issuer the role's issuer, named when IAM cannot reach it */
  StepRunner(String issuer) {
    this.issuer = issuer;
  }

  /** @throws ProvisioningException for every refusal and every AWS failure */
  Report run(Plan plan, IamSession s, List<ResourceStep> steps) {
    List<Change> todo = new ArrayList<>();
    try {
      for (ResourceStep step : steps) {
        todo.addAll(plan.operation() == Plan.Operation.PROVISION ? step.beforeProvision(s) : step.beforeDeprovision(s));
      }
    } catch (Refusal r) {
      throw new ProvisioningException(r.kind(), framing(plan) + " refused: " + r.getMessage() + "; nothing was changed");
    } catch (SdkException e) {
      throw failure(plan, s, e, List.of(), List.of());
    }
    List<Report.Step> done = new ArrayList<>();
    for (int i = 0; i < todo.size(); i++) {
      Change c = todo.get(i);
      if (c.isNoop()) {
        done.add(new Report.Step(c.what(), c.arn(), c.noop()));
        continue;
      }
      try {
        Report.Outcome outcome = c.action().run();
        done.add(new Report.Step(c.what(), c.arn(), outcome));
        LOG.info("{}: {} {}", framing(plan), outcome.words(), c.what());
      } catch (SdkException | Refusal e) {
        List<String> left = todo.subList(i, todo.size()).stream().filter(x -> !x.isNoop()).map(Change::what).toList();
        throw failure(plan, s, e, done, left);
      }
    }
    return new Report(plan.role(), plan.operation(), done);
  }

  private static String framing(Plan plan) {
    return plan.operation().word() + " " + plan.role();
  }

  static String code(AwsServiceException e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
        ? e.awsErrorDetails().errorCode() : "HTTP " + e.statusCode();
  }

  private ProvisioningException failure(Plan plan, IamSession s, Exception e, List<Report.Step> done, List<String> left) {
    ProvisioningException.Kind kind;
    String why;
    if (e instanceof Refusal r) {
      kind = r.kind();
      why = r.getMessage();
    } else if (e instanceof AwsServiceException a) {
      String code = code(a);
      String call = s.current() == null ? "an IAM call" : s.current().target();
      String message = a.awsErrorDetails() == null ? "" : a.awsErrorDetails().errorMessage();
      if (code.startsWith("AccessDenied")) {
        kind = ProvisioningException.Kind.ACCESS_DENIED;
        why = "AWS denied " + call + " (" + code + "): the management role's policy in account "
            + plan.role().account() + " does not allow it; the customer's stack may be older than "
            + "cloudformation/customer-stack.json";
      } else if ("LimitExceeded".equals(code) && s.current() != null
          && s.current().action().equals("iam:CreateOpenIDConnectProvider")) {
        kind = ProvisioningException.Kind.QUOTA;
        why = "IAM refused " + call + ": the account reached its quota of " + IamProvisioner.PROVIDER_QUOTA
            + " OIDC providers (" + code + ")";
      } else if ("OpenIdIdpCommunicationError".equals(code)) {
        // IAM fetches the issuer's TLS chain when a provider is created without thumbprints (docs/PROVISIONING.md).
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "IAM could not reach the issuer " + issuer + " for " + call + " (" + code + ": " + message
            + "): the public listener must answer over HTTPS from the internet";
      } else if (THROTTLING.contains(code)) {
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "AWS kept throttling " + call + " after 4 tries (" + code + "); try again in a minute";
      } else {
        kind = ProvisioningException.Kind.AWS_ERROR;
        why = "AWS refused " + call + " (" + code + ": " + message + ")";
      }
    } else {
      kind = ProvisioningException.Kind.UNREACHABLE;
      String call = s.current() == null ? "IAM" : s.current().target();
      why = "AWS IAM could not be reached for " + call + " (" + e.getMessage() + ")";
    }
    StringBuilder m = new StringBuilder(framing(plan)).append(" stopped: ").append(why);
    List<Report.Step> changed = done.stream().filter(d -> d.outcome().changed()).toList();
    if (changed.isEmpty()) {
      m.append("; nothing was changed");
    } else {
      m.append("; done: ").append(changed.stream().map(Report.Step::line).collect(Collectors.joining(", ")));
    }
    if (!left.isEmpty()) m.append("; left to do: ").append(String.join(", ", left));
    m.append("; run `keys-admin role ").append(plan.operation().word()).append(' ').append(plan.role())
        .append("` again to finish");
    if (plan.operation() == Plan.Operation.PROVISION && !changed.isEmpty()) {
      m.append(", or `keys-admin role deprovision ").append(plan.role()).append("` to remove what was created");
    }
    LOG.warn("{}", m);
    return new ProvisioningException(kind, m.toString(), done, left, e);
  }
}
