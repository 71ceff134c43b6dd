package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The customer-managed policy {@code DoiT-Support-<engineer>}: AWS Support case actions and nothing else, the one
 * write access the service promises its engineers (docs/ONBOARDING.md, "What the customer grants").
 * Stateless and thread-safe.
 */
public final class SupportPolicy {
  /** Managed policy names start with this; the management policy allows {@code policy/DoiT-*}. */
  public static final String NAME_PREFIX = "DoiT-Support-";

  /** Raise, follow and close AWS Support cases. AWS Support has no resource-level permissions: {@code *}. */
  public static final List<String> ACTIONS = List.of(
      "support:AddAttachmentsToSet",
      "support:AddCommunicationToCase",
      "support:CreateCase",
      "support:DescribeAttachment",
      "support:DescribeCases",
      "support:DescribeCommunications",
      "support:DescribeCreateCaseOptions",
      "support:DescribeServices",
      "support:DescribeSeverityLevels",
      "support:DescribeSupportedLanguages",
      "support:ResolveCase");

  private SupportPolicy() {}

  public static String name(RoleId id) {
    return NAME_PREFIX + id.engineer();
  }

  public static String arn(RoleId id) {
    return "arn:aws:iam::" + id.account() + ":policy/" + name(id);
  }

  public static Map<String, Object> document() {
    Map<String, Object> statement = new LinkedHashMap<>();
    statement.put("Sid", "AwsSupportCasesOnly");
    statement.put("Effect", "Allow");
    statement.put("Action", ACTIONS);
    statement.put("Resource", "*");
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("Version", "2012-10-17");
    policy.put("Statement", List.of(statement));
    return policy;
  }

  public static String json() {
    return JSONObjectUtils.toJSONString(document());
  }
}
