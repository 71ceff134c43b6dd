package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;
import static com.doit.idp.aws.AwsQuery.escapedMembers;
import static com.doit.idp.aws.AwsQuery.members;
import static com.doit.idp.aws.IamValidation.identityPolicy;
import static com.doit.idp.aws.IamValidation.name;
import static com.doit.idp.aws.IamValidation.path;
import static com.doit.idp.aws.IamValidation.trustPolicy;
import static com.doit.idp.aws.IamValidation.urlEncode;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The fake's IAM: the actions provisioning uses, over each account's {@link FakeAccount} state, answered in IAM's XML
 * shapes. Each action validates its parameters as IAM does ({@link IamValidation}), then asks IAM's authorization
 * ({@link TemplatePolicy}: the management policy of our template; tags need {@code iam:Tag*}, so they are denied),
 * then applies IAM's rules: quotas, conflicts, deletion order. An action the fake does not model is authorized
 * first, so the template's refusal shows as on IAM. Guarded by the {@link FakeAws} lock.
 */
final class FakeIam {
  static final String NS = "https://iam.amazonaws.com/doc/2010-05-08/";
  static final int PROVIDER_QUOTA = 100;
  private static final Pattern POLICY_ARN = Pattern.compile("arn:aws:iam::(\\d{12}|aws):policy/([\\u0021-\\u007E]+)");
  private static final Pattern PROVIDER_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):oidc-provider/(.+)");
  private static final Pattern THUMBPRINT = Pattern.compile("[0-9A-Fa-f]{40}");
  private static final Pattern VERSION_ID = Pattern.compile("v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
  private static final Set<String> AWS_MANAGED = Set.of(FakeAws.SECURITY_AUDIT, FakeAws.ADMINISTRATOR_ACCESS,
      "arn:aws:iam::aws:policy/AWSSupportAccess");

  private final FakeAws aws;

  FakeIam(FakeAws aws) {
    this.aws = aws;
  }

  /** Answers one IAM request made by the management role of account {@code a}. */
  String handle(AwsQuery q, FakeAccount a) {
    if (!"2010-05-08".equals(q.optional("Version"))) throw new AwsError("InvalidAction", "unsupported Version");
    String action = q.action();
    aws.runInterloper(action, a);
    String result = switch (action) {
      case "ListOpenIDConnectProviders" -> listProviders(a, q);
      case "GetOpenIDConnectProvider" -> getProvider(a, q);
      case "CreateOpenIDConnectProvider" -> createProvider(a, q);
      case "UpdateOpenIDConnectProviderThumbprint" -> updateThumbprint(a, q);
      case "DeleteOpenIDConnectProvider" -> deleteProvider(a, q);
      case "GetPolicy" -> getPolicy(a, q);
      case "CreatePolicy" -> createPolicy(a, q);
      case "GetPolicyVersion" -> getPolicyVersion(a, q);
      case "ListPolicyVersions" -> listPolicyVersions(a, q);
      case "CreatePolicyVersion" -> createPolicyVersion(a, q);
      case "DeletePolicyVersion" -> deletePolicyVersion(a, q);
      case "DeletePolicy" -> deletePolicy(a, q);
      case "ListEntitiesForPolicy" -> listEntitiesForPolicy(a, q);
      case "GetRole" -> getRole(a, q);
      case "CreateRole" -> createRole(a, q);
      case "DeleteRole" -> deleteRole(a, q);
      case "ListRolePolicies" -> listRolePolicies(a, q);
      case "ListAttachedRolePolicies" -> listAttachedRolePolicies(a, q);
      case "AttachRolePolicy" -> attachRolePolicy(a, q, true);
      case "DetachRolePolicy" -> attachRolePolicy(a, q, false);
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
    String resource = q.optional("RoleName") != null ? roleArnFor(a, q.optional("RoleName"))
        : q.optional("PolicyArn") != null ? q.optional("PolicyArn")
        : q.optional("OpenIDConnectProviderArn") != null ? q.optional("OpenIDConnectProviderArn") : "*";
    authorize(a, q, resource);
    throw new AwsError("InvalidAction", "the fake does not implement " + q.action());
  }

  /** Faults first (throttling and outages come before anything else), then IAM's authorization. */
  private void authorize(FakeAccount a, AwsQuery q, String resourceArn, String... extraActions) {
    authorize(a, q, resourceArn, Map.of(), extraActions);
  }

  /** The same, for a request that sets condition keys ({@code iam:PolicyARN} of an attachment). */
  private void authorize(FakeAccount a, AwsQuery q, String resourceArn, Map<String, String> context,
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

  // --- OIDC providers

  private String listProviders(FakeAccount a, AwsQuery q) {
    q.only(Set.of());
    authorize(a, q, "*");
    List<String> members = a.providers.keySet().stream().map(arn -> el("Arn", arn)).toList();
    return "<ListOpenIDConnectProvidersResult>" + members("OpenIDConnectProviderList", members)
        + "</ListOpenIDConnectProvidersResult>";
  }

  private String providerArnParam(FakeAccount a, AwsQuery q) {
    String arn = q.required("OpenIDConnectProviderArn");
    if (arn.length() < 20 || arn.length() > 2048 || !PROVIDER_ARN.matcher(arn).matches()) {
      throw new AwsError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  private FakeAccount.Provider existingProvider(FakeAccount a, String arn) {
    FakeAccount.Provider p = a.providers.get(arn);
    if (p == null) throw new AwsError("NoSuchEntity", "OpenIDConnect Provider not found for arn " + arn);
    return p;
  }

  private String getProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    authorize(a, q, arn);
    FakeAccount.Provider p = existingProvider(a, arn);
    return "<GetOpenIDConnectProviderResult>" + escapedMembers("ThumbprintList", p.thumbprints())
        + el("CreateDate", p.created()) + escapedMembers("ClientIDList", p.clientIds())
        + el("Url", p.url().substring("https://".length())) + "</GetOpenIDConnectProviderResult>";
  }

  private String createProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("Url", "ClientIDList", "ThumbprintList", "Tags"));
    String url = q.required("Url");
    if (url.isEmpty() || url.length() > 255) throw new AwsError("ValidationError", "Url must be 1..255 characters");
    URI u;
    try {
      u = new URI(url);
    } catch (Exception e) {
      throw new AwsError("InvalidInput", "Invalid URL: " + url);
    }
    if (!"https".equals(u.getScheme()) || u.getHost() == null) throw new AwsError("InvalidInput", "The URL must begin with https://");
    if (u.getPort() != -1) throw new AwsError("InvalidInput", "The URL must not contain a port");
    if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new AwsError("InvalidInput", "The URL must not contain a query, fragment or user");
    }
    List<String> clientIds = q.list("ClientIDList");
    if (clientIds.size() > 100) throw new AwsError("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
    for (String c : clientIds) {
      if (c.isEmpty() || c.length() > 255) throw new AwsError("ValidationError", "each client id must be 1..255 characters");
    }
    List<String> thumbprints = thumbprints(q, false);
    String arn = providerArn(a.id, url);
    authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagOpenIDConnectProvider"} : new String[0]);
    if (a.providers.containsKey(arn)) throw new AwsError("EntityAlreadyExists", "Provider with url " + url + " already exists.");
    if (a.providers.size() >= PROVIDER_QUOTA) {
      throw new AwsError("LimitExceeded", "Cannot exceed quota for OpenIdConnectProvidersPerAccount: " + PROVIDER_QUOTA);
    }
    a.providers.put(arn, new FakeAccount.Provider(url, List.copyOf(clientIds), thumbprints, aws.tick()));
    return "<CreateOpenIDConnectProviderResult>" + el("OpenIDConnectProviderArn", arn) + "</CreateOpenIDConnectProviderResult>";
  }

  private static List<String> thumbprints(AwsQuery q, boolean required) {
    List<String> t = q.list("ThumbprintList");
    if (required && t.isEmpty()) throw new AwsError("ValidationError", "ThumbprintList must not be null");
    if (t.size() > 5) throw new AwsError("LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5");
    for (String s : t) {
      if (!THUMBPRINT.matcher(s).matches()) throw new AwsError("ValidationError", "each thumbprint must be 40 hex characters");
    }
    return List.copyOf(t);
  }

  private String updateThumbprint(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn", "ThumbprintList"));
    String arn = providerArnParam(a, q);
    List<String> t = thumbprints(q, true);
    authorize(a, q, arn);
    FakeAccount.Provider p = existingProvider(a, arn);
    a.providers.put(arn, new FakeAccount.Provider(p.url(), p.clientIds(), t, p.created()));
    return "";
  }

  private String deleteProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    authorize(a, q, arn);
    existingProvider(a, arn);
    a.providers.remove(arn);
    return "";
  }

  static String providerArn(String account, String url) {
    return "arn:aws:iam::" + account + ":oidc-provider/" + url.substring("https://".length());
  }

  // --- managed policies

  private String policyArnParam(AwsQuery q) {
    String arn = q.required("PolicyArn");
    if (arn.length() < 20 || arn.length() > 2048 || !POLICY_ARN.matcher(arn).matches()) {
      throw new AwsError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  private FakeAccount.ManagedPolicyState existingPolicy(FakeAccount a, String arn) {
    FakeAccount.ManagedPolicyState p = a.policies.get(arn);
    if (p == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " does not exist or is not attachable.");
    return p;
  }

  private String policyXml(FakeAccount a, FakeAccount.ManagedPolicyState p) {
    long attachments = a.roles.values().stream().filter(r -> r.attached.contains(p.arn)).count();
    return "<Policy>" + el("PolicyName", p.name) + el("DefaultVersionId", p.defaultVersion) + el("PolicyId", p.id)
        + el("Path", p.path) + el("Arn", p.arn) + el("AttachmentCount", attachments)
        + el("PermissionsBoundaryUsageCount", 0) + el("IsAttachable", true)
        + (p.description == null ? "" : el("Description", p.description))
        + el("CreateDate", p.created) + el("UpdateDate", p.created) + "</Policy>";
  }

  private String getPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    return "<GetPolicyResult>" + policyXml(a, existingPolicy(a, arn)) + "</GetPolicyResult>";
  }

  private String createPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyName", "Path", "PolicyDocument", "Description", "Tags"));
    String name = name(q.required("PolicyName"), 128, "policyName");
    String path = path(q.optional("Path"));
    String document = q.required("PolicyDocument");
    String description = q.optional("Description");
    if (description != null && description.length() > 1000) throw new AwsError("ValidationError", "Description longer than 1000");
    String arn = "arn:aws:iam::" + a.id + ":policy" + path + name;
    authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagPolicy"} : new String[0]);
    identityPolicy(document);
    if (a.policies.containsKey(arn)) {
      throw new AwsError("EntityAlreadyExists", "A policy called " + name + " already exists. Duplicate names are not allowed.");
    }
    FakeAccount.ManagedPolicyState p = new FakeAccount.ManagedPolicyState(name, path, arn, aws.nextId("ANPA"), description, aws.tick());
    p.versions.add(new FakeAccount.PolicyVersionState("v1", document, p.created));
    p.defaultVersion = "v1";
    p.nextVersion = 2;
    a.policies.put(arn, p);
    return "<CreatePolicyResult>" + policyXml(a, p) + "</CreatePolicyResult>";
  }

  private String versionXml(FakeAccount.ManagedPolicyState p, FakeAccount.PolicyVersionState v, boolean withDocument) {
    return (withDocument ? el("Document", urlEncode(v.document)) : "") + el("VersionId", v.id)
        + el("IsDefaultVersion", v.id.equals(p.defaultVersion)) + el("CreateDate", v.created);
  }

  private String getPolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    FakeAccount.PolicyVersionState v = p.version(id);
    if (v == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist or is not attachable.");
    return "<GetPolicyVersionResult><PolicyVersion>" + versionXml(p, v, true) + "</PolicyVersion></GetPolicyVersionResult>";
  }

  private static String versionId(AwsQuery q) {
    String id = q.required("VersionId");
    if (!VERSION_ID.matcher(id).matches()) throw new AwsError("ValidationError", "VersionId " + id + " is not valid");
    return id;
  }

  private String listPolicyVersions(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    List<String> members = p.versions.stream().map(v -> versionXml(p, v, false)).toList();
    return "<ListPolicyVersionsResult>" + members("Versions", members) + el("IsTruncated", false)
        + "</ListPolicyVersionsResult>";
  }

  private String createPolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "PolicyDocument", "SetAsDefault"));
    String arn = policyArnParam(q);
    String document = q.required("PolicyDocument");
    String setAsDefault = q.optional("SetAsDefault");
    if (setAsDefault != null && !setAsDefault.equals("true") && !setAsDefault.equals("false")) {
      throw new AwsError("ValidationError", "SetAsDefault must be a boolean");
    }
    authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    identityPolicy(document);
    if (p.versions.size() >= 5) {
      throw new AwsError("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, "
          + "you must delete an existing version.");
    }
    FakeAccount.PolicyVersionState v = new FakeAccount.PolicyVersionState("v" + p.nextVersion++, document, aws.tick());
    p.versions.add(v);
    if ("true".equals(setAsDefault)) p.defaultVersion = v.id;
    return "<CreatePolicyVersionResult><PolicyVersion>" + versionXml(p, v, false) + "</PolicyVersion></CreatePolicyVersionResult>";
  }

  private String deletePolicyVersion(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "VersionId"));
    String arn = policyArnParam(q);
    String id = versionId(q);
    authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    FakeAccount.PolicyVersionState v = p.version(id);
    if (v == null) throw new AwsError("NoSuchEntity", "Policy " + arn + " version " + id + " does not exist.");
    if (id.equals(p.defaultVersion)) throw new AwsError("DeleteConflict", "Cannot delete the default version of a policy.");
    p.versions.remove(v);
    return "";
  }

  private String deletePolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    FakeAccount.ManagedPolicyState p = existingPolicy(a, arn);
    if (a.roles.values().stream().anyMatch(r -> r.attached.contains(arn))) {
      throw new AwsError("DeleteConflict", "Cannot delete a policy attached to entities.");
    }
    if (p.versions.size() > 1) {
      throw new AwsError("DeleteConflict", "This policy has more than one version. Before you delete a policy, you "
          + "must delete the policy's versions. The default version is deleted with the policy.");
    }
    a.policies.remove(arn);
    return "";
  }

  private String listEntitiesForPolicy(FakeAccount a, AwsQuery q) {
    q.only(Set.of("PolicyArn", "EntityFilter", "PathPrefix", "PolicyUsageFilter", "Marker", "MaxItems"));
    String arn = policyArnParam(q);
    authorize(a, q, arn);
    existingPolicy(a, arn);
    List<String> roles = a.roles.values().stream().filter(r -> r.attached.contains(arn))
        .map(r -> el("RoleName", r.name) + el("RoleId", r.id)).toList();
    return "<ListEntitiesForPolicyResult>" + members("PolicyRoles", roles) + members("PolicyGroups", List.of())
        + members("PolicyUsers", List.of()) + el("IsTruncated", false) + "</ListEntitiesForPolicyResult>";
  }

  // --- roles

  private String roleArnFor(FakeAccount a, String name) {
    FakeAccount.RoleState r = a.roles.get(name);
    return r != null ? r.arn : "arn:aws:iam::" + a.id + ":role/" + name;
  }

  private FakeAccount.RoleState existingRole(FakeAccount a, String name) {
    FakeAccount.RoleState r = a.roles.get(name);
    if (r == null) throw new AwsError("NoSuchEntity", "The role with name " + name + " cannot be found.");
    return r;
  }

  private String roleXml(FakeAccount.RoleState r) {
    return "<Role>" + el("Path", r.path) + el("RoleName", r.name) + el("RoleId", r.id) + el("Arn", r.arn)
        + el("CreateDate", r.created) + el("AssumeRolePolicyDocument", urlEncode(r.trust))
        + (r.description.isEmpty() ? "" : el("Description", r.description)) + el("MaxSessionDuration", r.maxSession)
        + "</Role>";
  }

  private String getRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    return "<GetRoleResult>" + roleXml(existingRole(a, name)) + "</GetRoleResult>";
  }

  private String createRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "Path", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration",
        "PermissionsBoundary", "Tags"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String path = path(q.optional("Path"));
    String trust = q.required("AssumeRolePolicyDocument");
    String description = q.optional("Description") == null ? "" : q.optional("Description");
    if (description.length() > 1000 || !description.matches("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*")) {
      throw new AwsError("ValidationError", "Description must be at most 1000 printable characters");
    }
    int maxSession = 3600;
    if (q.optional("MaxSessionDuration") != null) {
      maxSession = Integer.parseInt(q.optional("MaxSessionDuration"));
      if (maxSession < 3600 || maxSession > 43200) throw new AwsError("ValidationError", "MaxSessionDuration must be 3600..43200");
    }
    String arn = "arn:aws:iam::" + a.id + ":role" + path + name;
    List<String> extra = new ArrayList<>();
    if (q.hasPrefix("Tags.")) extra.add("iam:TagRole");
    if (q.optional("PermissionsBoundary") != null) extra.add("iam:PutRolePermissionsBoundary");
    authorize(a, q, arn, extra.toArray(new String[0]));
    trustPolicy(a, trust);
    if (a.roles.containsKey(name)) throw new AwsError("EntityAlreadyExists", "Role with name " + name + " already exists.");
    FakeAccount.RoleState r = new FakeAccount.RoleState(name, path, arn, aws.nextId("AROA"), trust, description, maxSession, aws.tick());
    a.roles.put(name, r);
    return "<CreateRoleResult>" + roleXml(r) + "</CreateRoleResult>";
  }

  private String deleteRole(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    if (!r.attached.isEmpty()) throw new AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (!r.inline.isEmpty()) throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.");
    a.roles.remove(name);
    return "";
  }

  private String listRolePolicies(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    return "<ListRolePoliciesResult>" + escapedMembers("PolicyNames", List.copyOf(r.inline.keySet()))
        + el("IsTruncated", false) + "</ListRolePoliciesResult>";
  }

  private String listAttachedRolePolicies(FakeAccount a, AwsQuery q) {
    q.only(Set.of("RoleName", "PathPrefix", "Marker", "MaxItems"));
    String name = name(q.required("RoleName"), 64, "roleName");
    authorize(a, q, roleArnFor(a, name));
    FakeAccount.RoleState r = existingRole(a, name);
    List<String> members = r.attached.stream()
        .map(p -> el("PolicyName", p.substring(p.lastIndexOf('/') + 1)) + el("PolicyArn", p)).toList();
    return "<ListAttachedRolePoliciesResult>" + members("AttachedPolicies", members) + el("IsTruncated", false)
        + "</ListAttachedRolePoliciesResult>";
  }

  private String attachRolePolicy(FakeAccount a, AwsQuery q, boolean attach) {
    q.only(Set.of("RoleName", "PolicyArn"));
    String name = name(q.required("RoleName"), 64, "roleName");
    String policyArn = policyArnParam(q);
    authorize(a, q, roleArnFor(a, name), Map.of("iam:PolicyARN", policyArn));
    FakeAccount.RoleState r = existingRole(a, name);
    if (attach) {
      if (!AWS_MANAGED.contains(policyArn) && !a.policies.containsKey(policyArn)) {
        throw new AwsError("NoSuchEntity", "Policy " + policyArn + " does not exist or is not attachable.");
      }
      if (!r.attached.contains(policyArn)) {
        if (r.attached.size() >= 10) throw new AwsError("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10");
        r.attached.add(policyArn);
      }
    } else if (!r.attached.remove(policyArn)) {
      throw new AwsError("NoSuchEntity", "Policy " + policyArn + " was not found.");
    }
    return "";
  }
}
