package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS console's quick-create link for our customer stack in one account (docs/ONBOARDING.md): the template's S3
 * URL, a stack name, and the parameters filled in: {@code AccountNumberParameter} (our account, the one our SNS
 * topic lives in), {@code ServiceToken} (that topic) and {@code ExternalId} (the account's, derived). The stack must
 * be created in {@code us-east-1}, so the link opens there. Immutable.
 */
public record QuickCreateLink(String account, URI url, String ourAccount, String serviceToken, String externalId) {
  public static final String DEFAULT_STACK_NAME = "DoiT-Support-Access";
  private static final Pattern TOPIC = Pattern.compile("arn:aws(?:-cn|-us-gov)?:sns:[a-z0-9-]+:([0-9]{12}):[A-Za-z0-9_-]{1,256}");

  /**
   * @param templateUrl where our template is published: {@code https} on an S3 host under {@code amazonaws.com}
   *     (the console takes templates from S3 only)
   * @throws IllegalArgumentException with a message for a person when an input is not usable
   */
  public static QuickCreateLink of(String account, URI templateUrl, String stackName, String topicArn, String externalId) {
    if (!RoleId.isAccount(account)) throw new IllegalArgumentException("account must be 12 digits");
    String host = templateUrl.getHost() == null ? "" : templateUrl.getHost().toLowerCase(Locale.ROOT);
    if (!"https".equals(templateUrl.getScheme()) || !host.endsWith(".amazonaws.com") || templateUrl.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the template URL must be https on an S3 host under amazonaws.com");
    }
    if (!stackName.matches("[A-Za-z][A-Za-z0-9-]{0,127}")) {
      throw new IllegalArgumentException("a stack name starts with a letter and has only letters, digits and -, at most 128");
    }
    Matcher topic = TOPIC.matcher(topicArn);
    if (!topic.matches()) throw new IllegalArgumentException("not an SNS topic ARN: " + topicArn);
    String query = "templateURL=" + enc(templateUrl.toString()) + "&stackName=" + enc(stackName)
        + "&param_AccountNumberParameter=" + topic.group(1) + "&param_ServiceToken=" + enc(topicArn)
        + "&param_ExternalId=" + enc(externalId);
    try {
      URI url = new URI("https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate?" + query);
      return new QuickCreateLink(account, url, topic.group(1), topicArn, externalId);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the link cannot be written: " + e.getMessage(), e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
