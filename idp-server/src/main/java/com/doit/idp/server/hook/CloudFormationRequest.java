package com.doit.idp.server.hook;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The custom-resource request CloudFormation published in a verified SNS notification's {@code Message}, checked:
 * {@code RequestType} {@code Create}, {@code Update} or {@code Delete}; a {@code ResponseURL} we may answer at
 * ({@code https} on a host under {@code amazonaws.com} or {@code amazonaws.com.cn}; loopback only with
 * {@code hooks.allow-loopback-response-url}); {@code ResourceProperties} {@code {ServiceToken, RoleArn, AccountId}}
 * where the account is 12 digits and is the account of the {@code StackId} and of the {@code RoleArn}, whose name is
 * {@code aws.management-role-name}, and the service token is the topic the message came through. Immutable.
 */
record CloudFormationRequest(
    String requestType,
    URI responseUrl,
    String stackId,
    String requestId,
    String logicalResourceId,
    String physicalResourceId,
    String account,
    String roleArn) {

  static final String CREATE = "Create";
  static final String UPDATE = "Update";
  static final String DELETE = "Delete";
  private static final Pattern STACK_ID = Pattern.compile(
      "arn:aws(?:-cn|-us-gov)?:cloudformation:[a-z0-9-]{1,32}:([0-9]{12}):stack/[A-Za-z][A-Za-z0-9-]{0,127}/[A-Za-z0-9-]{1,64}");
  private static final Pattern ROLE_ARN = Pattern.compile("arn:aws(?:-cn|-us-gov)?:iam::([0-9]{12}):role/([\\w+=,.@-]{1,64})");
  private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1,256}");
  private static final Pattern LOGICAL_ID = Pattern.compile("[A-Za-z0-9]{1,255}");
  private static final int MAX_URL = 8192;

  /**
   * Reads and checks the request in {@code message}.
   *
   * @param topicArn the topic of the (verified) SNS message
   * @throws HookRefusal (malformed), naming the account once it is known
   */
  static CloudFormationRequest parse(String message, String topicArn, String managementRoleName, boolean allowLoopback) {
    Map<String, Object> json;
    try {
      json = JSONObjectUtils.parse(message);
    } catch (ParseException | RuntimeException e) {
      json = null;
    }
    if (json == null) throw HookRefusal.malformed("the notification's Message is not a CloudFormation request (JSON)");
    String type = string(json, "RequestType", true);
    if (!type.equals(CREATE) && !type.equals(UPDATE) && !type.equals(DELETE)) {
      throw HookRefusal.malformed("RequestType must be Create, Update or Delete");
    }
    Object props = json.get("ResourceProperties");
    if (!(props instanceof Map<?, ?> rawProps)) throw HookRefusal.malformed("ResourceProperties missing");
    @SuppressWarnings("unchecked")
    Map<String, Object> properties = (Map<String, Object>) rawProps;
    String account = string(properties, "AccountId", true);
    if (!account.matches("[0-9]{12}")) throw HookRefusal.malformed("ResourceProperties.AccountId must be 12 digits");
    try {
      String stackId = string(json, "StackId", true);
      Matcher stack = STACK_ID.matcher(stackId);
      if (!stack.matches()) throw HookRefusal.malformed("StackId is not a CloudFormation stack ARN");
      if (!stack.group(1).equals(account)) throw HookRefusal.malformed("AccountId is not the account of the StackId");
      String roleArn = string(properties, "RoleArn", true);
      Matcher role = ROLE_ARN.matcher(roleArn);
      if (!role.matches()) throw HookRefusal.malformed("ResourceProperties.RoleArn is not a role ARN");
      if (!role.group(1).equals(account)) throw HookRefusal.malformed("AccountId is not the account of the RoleArn");
      if (!role.group(2).equals(managementRoleName)) {
        throw HookRefusal.malformed("ResourceProperties.RoleArn is not the role " + managementRoleName);
      }
      if (!topicArn.equals(string(properties, "ServiceToken", true))) {
        throw HookRefusal.malformed("ResourceProperties.ServiceToken is not the topic the message came through");
      }
      String requestId = string(json, "RequestId", true);
      String logical = string(json, "LogicalResourceId", true);
      if (!ID.matcher(requestId).matches()) throw HookRefusal.malformed("malformed RequestId");
      if (!LOGICAL_ID.matcher(logical).matches()) throw HookRefusal.malformed("malformed LogicalResourceId");
      String physical = string(json, "PhysicalResourceId", !type.equals(CREATE));
      if (physical != null && (physical.isEmpty() || physical.length() > 1024)) {
        throw HookRefusal.malformed("malformed PhysicalResourceId");
      }
      URI url = responseUrl(string(json, "ResponseURL", true), allowLoopback);
      return new CloudFormationRequest(type, url, stackId, requestId, logical, physical, account, roleArn);
    } catch (HookRefusal r) {
      throw r.about(account);
    }
  }

  /** Where we may send an answer: CloudFormation's presigned S3 URLs are https under amazonaws.com. */
  static URI responseUrl(String url, boolean allowLoopback) {
    if (url.length() > MAX_URL) throw HookRefusal.malformed("ResponseURL is too long");
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw HookRefusal.malformed("ResponseURL is not a URL");
    }
    String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
    if (u.getRawUserInfo() != null || u.getRawFragment() != null || host.isEmpty()) {
      throw HookRefusal.malformed("ResponseURL is not a CloudFormation response URL");
    }
    boolean aws = "https".equalsIgnoreCase(u.getScheme()) && (u.getPort() == -1 || u.getPort() == 443)
        && (host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn"));
    boolean loopback = allowLoopback && ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
        && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    if (!aws && !loopback) throw HookRefusal.malformed("ResponseURL is not https on an amazonaws.com host");
    return u;
  }

  private static String string(Map<String, Object> json, String name, boolean required) {
    Object v = json.get(name);
    if (v == null) {
      if (required) throw HookRefusal.malformed(name + " missing");
      return null;
    }
    if (!(v instanceof String s)) throw HookRefusal.malformed(name + " is not a string");
    return s;
  }

  /** Where an answer goes, for logs: scheme and host, never the presigned path and query (they grant the write). */
  String responseUrlForLog() {
    return responseUrl.getScheme() + "://" + responseUrl.getHost() + (responseUrl.getPort() == -1 ? "" : ":" + responseUrl.getPort())
        + "/...";
  }
}
