package com.doit.idp.aws;

import static com.doit.idp.aws.TemplatePolicy.asList;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * IAM's validation of names, paths and policy documents, answered with IAM's error codes: what the fake refuses so
 * that provisioning cannot pass its tests with a request IAM would reject. Stateless.
 */
final class IamValidation {
  private static final Pattern NAME = Pattern.compile("[\\w+=,.@-]+");
  private static final Pattern PATH = Pattern.compile("/|/[\\u0021-\\u007E]+/");
  private static final Pattern SERVICE_ACTION = Pattern.compile("[a-z0-9-]+:[A-Za-z0-9*?]+|\\*");
  private static final Set<String> CONDITION_OPERATORS = Set.of("StringEquals", "StringNotEquals", "StringLike",
      "StringNotLike", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals", "ForAllValues:StringEquals", "Bool",
      "ArnEquals", "ArnLike", "IpAddress", "NumericEquals", "DateGreaterThan", "DateLessThan", "Null");

  private IamValidation() {}

  static String name(String value, int max, String member) {
    if (value.isEmpty() || value.length() > max) {
      throw new AwsError("ValidationError", "1 validation error detected: Value '" + value + "' at '" + member
          + "' failed to satisfy constraint: Member must have length less than or equal to " + max);
    }
    if (!NAME.matcher(value).matches()) {
      throw new AwsError("ValidationError", "1 validation error detected: Value '" + value + "' at '" + member
          + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }
    return value;
  }

  static String path(String value) {
    if (value == null) return "/";
    if (value.length() > 512 || !PATH.matcher(value).matches()) throw new AwsError("ValidationError", "invalid path " + value);
    return value;
  }

  static Map<String, Object> json(String document) {
    try {
      return JSONObjectUtils.parse(document);
    } catch (ParseException e) {
      throw new AwsError("MalformedPolicyDocument", "This policy contains invalid Json");
    }
  }

  static long size(String document) {
    return document.chars().filter(c -> !Character.isWhitespace(c)).count();
  }

  static List<Map<String, Object>> statementsOf(Map<String, Object> doc) {
    Object v = doc.get("Version");
    if (v != null && !"2012-10-17".equals(v) && !"2008-10-17".equals(v)) {
      throw new AwsError("MalformedPolicyDocument", "The policy failed legacy parsing");
    }
    List<?> raw = asList(doc.get("Statement"));
    if (raw.isEmpty()) throw new AwsError("MalformedPolicyDocument", "Syntax errors in policy.");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : raw) {
      if (!(o instanceof Map<?, ?>)) throw new AwsError("MalformedPolicyDocument", "Syntax errors in policy.");
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) o;
      if (!"Allow".equals(s.get("Effect")) && !"Deny".equals(s.get("Effect"))) {
        throw new AwsError("MalformedPolicyDocument", "Invalid effect: " + s.get("Effect"));
      }
      List<?> actions = asList(s.containsKey("Action") ? s.get("Action") : s.get("NotAction"));
      if (actions.isEmpty()) throw new AwsError("MalformedPolicyDocument", "Policy statement must contain actions.");
      for (Object a : actions) {
        if (!SERVICE_ACTION.matcher(String.valueOf(a)).matches()) {
          throw new AwsError("MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        }
      }
      if (s.get("Condition") != null) {
        if (!(s.get("Condition") instanceof Map<?, ?> c)) throw new AwsError("MalformedPolicyDocument", "Syntax errors in policy.");
        for (Map.Entry<?, ?> e : c.entrySet()) {
          if (!CONDITION_OPERATORS.contains(String.valueOf(e.getKey())) || !(e.getValue() instanceof Map<?, ?>)) {
            throw new AwsError("MalformedPolicyDocument", "Invalid Condition type : " + e.getKey());
          }
        }
      }
      out.add(s);
    }
    return out;
  }

  /** An identity policy: actions and resources, no principal, at most 6144 characters without whitespace. */
  static void identityPolicy(String document) {
    if (size(document) > 6144) throw new AwsError("LimitExceeded", "Cannot exceed quota for PolicySize: 6144");
    for (Map<String, Object> s : statementsOf(json(document))) {
      if (s.containsKey("Principal") || s.containsKey("NotPrincipal")) {
        throw new AwsError("MalformedPolicyDocument", "Policy document should not specify a principal.");
      }
      if (!s.containsKey("Resource") && !s.containsKey("NotResource")) {
        throw new AwsError("MalformedPolicyDocument", "Policy statement must contain resources.");
      }
    }
  }

  /** A trust policy: STS actions, a principal that exists (an OIDC provider of this account), no resource. */
  static void trustPolicy(FakeAccount a, String document) {
    if (size(document) > 2048) throw new AwsError("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048");
    for (Map<String, Object> s : statementsOf(json(document))) {
      if (s.containsKey("Resource") || s.containsKey("NotResource")) {
        throw new AwsError("MalformedPolicyDocument", "Has prohibited field Resource");
      }
      for (Object action : asList(s.get("Action"))) {
        if (!String.valueOf(action).startsWith("sts:")) {
          throw new AwsError("MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.");
        }
      }
      if (!(s.get("Principal") instanceof Map<?, ?> principal) || principal.isEmpty()) {
        throw new AwsError("MalformedPolicyDocument", "Missing required field Principal");
      }
      for (Object federated : asList(principal.get("Federated"))) {
        String arn = String.valueOf(federated);
        if (!a.providers.containsKey(arn)) {
          throw new AwsError("MalformedPolicyDocument", "Invalid principal in policy: \"Federated\":\"" + arn + "\"");
        }
      }
    }
  }

  /** IAM returns policy documents URL-encoded as RFC 3986 does (spaces as %20). */
  static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
