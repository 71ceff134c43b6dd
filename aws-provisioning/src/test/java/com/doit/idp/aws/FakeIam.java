package com.doit.idp.aws;


import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fake's IAM: the actions provisioning uses ({@link FakeIamProviders}, {@link FakeIamPolicies},
 * {@link FakeIamRoles}), over each account's {@link FakeAccount} state, answered in IAM's XML shapes. Each action validates its parameters as IAM does ({@link IamValidation}), then asks IAM's authorization
 * ({@link TemplatePolicy}: the management policy of our template; tags need {@code iam:Tag*}, so they are denied),
 * then applies IAM's rules: quotas, conflicts, deletion order. An action the fake does not model is authorized
 * first, so the template's refusal shows as on IAM. Guarded by the {@link FakeAws} lock.
 */
final class FakeIam {
  static final String NS = "https://iam.amazonaws.com/doc/2010-05-08/";
  static final int PROVIDER_QUOTA = 100;

  final FakeAws aws;
  private final FakeIamProviders providers = new FakeIamProviders(this);
  final FakeIamPolicies policies = new FakeIamPolicies(this);
  private final FakeIamRoles roles = new FakeIamRoles(this);

  FakeIam(FakeAws aws) {
    this.aws = aws;
  }

  /** Answers one IAM request made by the management role of account {@code a}. */
  String handle(AwsQuery q, FakeAccount a) {
    if (!"2010-05-08".equals(q.optional("Version"))) throw new AwsError("InvalidAction", "unsupported Version");
    String action = q.action();
    aws.runInterloper(action, a);
    String result = switch (action) {
      case "ListOpenIDConnectProviders" -> providers.listProviders(a, q);
      case "GetOpenIDConnectProvider" -> providers.getProvider(a, q);
      case "CreateOpenIDConnectProvider" -> providers.createProvider(a, q);
      case "UpdateOpenIDConnectProviderThumbprint" -> providers.updateThumbprint(a, q);
      case "DeleteOpenIDConnectProvider" -> providers.deleteProvider(a, q);
      case "GetPolicy" -> policies.getPolicy(a, q);
      case "CreatePolicy" -> policies.createPolicy(a, q);
      case "GetPolicyVersion" -> policies.getPolicyVersion(a, q);
      case "ListPolicyVersions" -> policies.listPolicyVersions(a, q);
      case "CreatePolicyVersion" -> policies.createPolicyVersion(a, q);
      case "DeletePolicyVersion" -> policies.deletePolicyVersion(a, q);
      case "DeletePolicy" -> policies.deletePolicy(a, q);
      case "ListEntitiesForPolicy" -> policies.listEntitiesForPolicy(a, q);
      case "GetRole" -> roles.getRole(a, q);
      case "CreateRole" -> roles.createRole(a, q);
      case "DeleteRole" -> roles.deleteRole(a, q);
      case "ListRolePolicies" -> roles.listRolePolicies(a, q);
      case "ListAttachedRolePolicies" -> roles.listAttachedRolePolicies(a, q);
      case "AttachRolePolicy" -> roles.attachRolePolicy(a, q, true);
      case "DetachRolePolicy" -> roles.attachRolePolicy(a, q, false);
      default -> notImplemented(a, q);
    };
    return "<" + action + "Response xmlns=\"" + NS + "\">" + result + FakeAws.meta() + "</" + action + "Response>";
  }

  /**
   * An action the fake does not model: IAM would authorize it first, and the template never allows any of them, so
   * the answer is AccessDenied as on IAM; should the template ever allow one, the test fails loudly instead.
   */
  private String notImplemented(FakeAccount a, AwsQuery q) {
    if (!q.action().matches("[A-Z][A-Za-z]{2,63}")) throw new AwsError("InvalidAction", "Could not find operation " + q.action());
    String resource = q.optional("RoleName") != null ? roles.roleArnFor(a, q.optional("RoleName"))
        : q.optional("PolicyArn") != null ? q.optional("PolicyArn")
        : q.optional("OpenIDConnectProviderArn") != null ? q.optional("OpenIDConnectProviderArn") : "*";
    authorize(a, q, resource);
    throw new AwsError("InvalidAction", "the fake does not implement " + q.action());
  }

  /** Faults first (throttling and outages come before anything else), then IAM's authorization. */
  void authorize(FakeAccount a, AwsQuery q, String resourceArn, String... extraActions) {
    authorize(a, q, resourceArn, Map.of(), extraActions);
  }

  /** The same, for a request that sets condition keys ({@code iam:PolicyARN} of an attachment). */
  void authorize(FakeAccount a, AwsQuery q, String resourceArn, Map<String, String> context,
      String... extraActions) {
    aws.injectFault(q.action());
    if (a.stack == null) throw new AwsError("AccessDenied", "the management role no longer exists");
    List<String> needed = new ArrayList<>();
    needed.add("iam:" + q.action());
    needed.addAll(List.of(extraActions));
    for (String action : needed) {
      if (!a.stack.policy().allows(a.id, action, resourceArn, context)) {
        throw new AwsError("AccessDenied", "User: arn:aws:sts::" + a.id + ":assumed-role/"
            + a.stack.managementRoleName() + "/session is not authorized to perform: " + action + " on resource: "
            + resourceArn + (context.isEmpty() ? "" : " with " + context)
            + " because no identity-based policy allows the " + action + " action");
      }
    }
  }
}
