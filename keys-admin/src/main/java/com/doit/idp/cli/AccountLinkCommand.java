package com.doit.idp.cli;

import com.doit.idp.aws.ExternalIds;
import com.doit.idp.aws.QuickCreateLink;
import com.doit.idp.config.IdpConfig;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code account link A --template-url URL}: the console's quick-create link for our stack in account {@code A},
 * its parameters filled in (our account and topic from {@code hooks.sns-topic-arns}, the account's external id from
 * {@code aws.external-id-secret-file}). Calls nothing, needs no HSM.
 */
@Command(name = "link", mixinStandardHelpOptions = true,
    description = {"Print the AWS console's quick-create link for our stack in the account, with our account, our",
        "SNS topic and the account's external id filled in. Calls nothing."})
final class AccountLinkCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT", description = "The customer account, 12 digits.")
  String account;

  @Option(names = "--template-url", required = true, paramLabel = "URL",
      description = "Where cloudformation/customer-stack.json is published (https, S3).")
  String templateUrl;

  @Option(names = "--stack-name", paramLabel = "NAME", description = "The stack's name (default: "
      + QuickCreateLink.DEFAULT_STACK_NAME + ").")
  String stackName = QuickCreateLink.DEFAULT_STACK_NAME;

  @Option(names = "--topic", paramLabel = "ARN", description = "One of hooks.sns-topic-arns (default: the first).")
  String topic;

  @Override
  void execute() {
    account(account);
    IdpConfig c = session().config();
    if (c.hooks().snsTopicArns().isEmpty()) {
      throw new CliFailure("hooks.sns-topic-arns is not set: the stack's ServiceToken is our SNS topic");
    }
    String serviceToken = topic == null ? c.hooks().snsTopicArns().get(0) : topic;
    if (!c.hooks().snsTopicArns().contains(serviceToken)) {
      throw new CliFailure("--topic " + serviceToken + " is not one of hooks.sns-topic-arns");
    }
    String externalId = ExternalIds.of(c.aws().externalIdSecret()).forAccount(account).orElseThrow(() -> new CliFailure(
        "aws.external-id-secret-file is not set: without it there is no external id to give the customer"));
    QuickCreateLink link;
    try {
      link = QuickCreateLink.of(account, URI.create(templateUrl), stackName, serviceToken, externalId);
    } catch (IllegalArgumentException e) {
      throw new CliFailure("account link: " + e.getMessage());
    }
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("account", account);
      m.put("url", link.url().toString());
      m.put("account_number", link.ourAccount());
      m.put("service_token", link.serviceToken());
      m.put("external_id", link.externalId());
      printJson(m);
    } else {
      out().println(link.url());
    }
  }
}
