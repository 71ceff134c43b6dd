package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every IAM call that one provisioning operation may make for one role, known before any call is made. The calls
 * depend only on the role and the configuration, never on the account's state, so the whole plan can be checked
 * against the management role's policy ({@link ManagementPolicy#check}) first. At run time a call that is not in the
 * checked plan is refused before it is sent. Immutable and thread-safe.
 *
 * @param assumeRoleArn the management role assumed through STS (not an IAM call, not in {@code calls})
 */
public record Plan(RoleId role, Operation operation, String assumeRoleArn, List<IamCall> calls) {
  /** What the plan is for. */
  public enum Operation {
    PROVISION("provision"),
    DEPROVISION("deprovision");

    private final String word;

    Operation(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  public Plan {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(assumeRoleArn, "assumeRoleArn");
    calls = List.copyOf(calls);
  }

  /** The planned call that is exactly this action on exactly this resource with exactly these condition keys. */
  public java.util.Optional<IamCall> find(String action, String resourceArn, java.util.Map<String, String> context) {
    return calls.stream().filter(c -> c.is(action, resourceArn, context)).findFirst();
  }

  /** The same plan with one more call: how a test widens a plan to see it refused. */
  public Plan with(IamCall extra) {
    List<IamCall> more = new ArrayList<>(calls);
    more.add(extra);
    return new Plan(role, operation, assumeRoleArn, more);
  }

  /** One line a call, for {@code keys-admin role plan}: action, resource, purpose. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add(operation.word() + " " + role + " via sts:AssumeRole " + assumeRoleArn);
    for (IamCall c : calls) {
      String keys = c.context().isEmpty() ? "" : "  " + new java.util.TreeMap<>(c.context());
      out.add("  " + c.action() + "  " + c.resourceArn() + keys + "  # " + c.description());
    }
    return out;
  }
}
