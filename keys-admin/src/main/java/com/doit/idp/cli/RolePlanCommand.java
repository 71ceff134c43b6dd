package com.doit.idp.cli;

import com.doit.idp.aws.Plan;
import com.doit.idp.aws.ProvisioningJson;
import com.doit.idp.role.RoleId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code role plan A/E}: every IAM call provision (or, with {@code --deprovision}, deprovision) may make, each
 * checked against the management role's policy. Calls nothing: needs neither AWS credentials nor the HSM.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Print the IAM calls 'role provision' may make (action, resource ARN, purpose), each checked",
        "against the management role's policy; refused (exit 1) when the plan needs more. Calls nothing."})
final class RolePlanCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Option(names = "--deprovision", description = "The plan of 'role deprovision' instead.")
  boolean deprovision;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Plan plan = deprovision ? session().provisioner().deprovisionPlan(id) : session().provisioner().plan(id);
    if (json()) {
      printJson(ProvisioningJson.plan(plan));
      return;
    }
    plan.lines().forEach(out()::println);
    out().println("all " + plan.calls().size() + " calls are allowed by the management role's policy "
        + "(cloudformation/customer-stack.json)");
  }
}
