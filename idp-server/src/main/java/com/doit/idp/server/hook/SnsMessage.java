package com.doit.idp.server.hook;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * One message SNS delivered over HTTP(S): its JSON fields, with the values exactly as delivered (escapes decoded),
 * because the signature is over those values. Every field is a string; unknown fields are ignored, as SNS may add
 * some. Immutable. Parsing checks only the shape: {@link SnsVerifier} decides whether to believe it.
 */
public record SnsMessage(
    String type,
    String messageId,
    String token,
    String topicArn,
    String subject,
    String message,
    String subscribeUrl,
    String timestamp,
    String signatureVersion,
    String signature,
    String signingCertUrl) {

  public static final String NOTIFICATION = "Notification";
  public static final String SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation";
  public static final String UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation";
  static final Set<String> TYPES = Set.of(NOTIFICATION, SUBSCRIPTION_CONFIRMATION, UNSUBSCRIBE_CONFIRMATION);
  /** Longer than any field SNS sends but the message itself. */
  private static final int MAX_FIELD = 2048;

  /**
   * Parses the body SNS posted.
   *
   * @throws HookRefusal (malformed) when it is not a JSON object of strings with the fields its type needs
   */
  static SnsMessage parse(String body) {
    Map<String, Object> json;
    try {
      json = JSONObjectUtils.parse(body);
    } catch (ParseException | RuntimeException e) {
      json = null;
    }
    if (json == null) throw HookRefusal.malformed("the body is not an SNS message (a JSON object)");
    String type = field(json, "Type", true);
    if (!TYPES.contains(type)) throw HookRefusal.malformed("unknown SNS message type");
    boolean confirmation = !type.equals(NOTIFICATION);
    return new SnsMessage(type, field(json, "MessageId", true), field(json, "Token", confirmation),
        field(json, "TopicArn", true), confirmation ? null : field(json, "Subject", false),
        field(json, "Message", true), field(json, "SubscribeURL", confirmation), field(json, "Timestamp", true),
        field(json, "SignatureVersion", true), field(json, "Signature", true), field(json, "SigningCertURL", true));
  }

  private static String field(Map<String, Object> json, String name, boolean required) {
    Object v = json.get(name);
    if (v == null) {
      if (required) throw HookRefusal.malformed("the SNS message has no " + name);
      return null;
    }
    if (!(v instanceof String s)) throw HookRefusal.malformed("the SNS message's " + name + " is not a string");
    if (!name.equals("Message") && s.length() > MAX_FIELD) throw HookRefusal.malformed("the SNS message's " + name + " is too long");
    return s;
  }

  /**
   * The string SNS signed: {@code name\nvalue\n} pairs in the documented order, a notification's {@code Subject}
   * only when present (docs/ONBOARDING.md, "How a message is verified").
   */
  String stringToSign() {
    StringBuilder b = new StringBuilder();
    pair(b, "Message", message);
    pair(b, "MessageId", messageId);
    if (type.equals(NOTIFICATION)) {
      if (subject != null) pair(b, "Subject", subject);
    } else {
      pair(b, "SubscribeURL", subscribeUrl);
    }
    pair(b, "Timestamp", timestamp);
    if (!type.equals(NOTIFICATION)) pair(b, "Token", token);
    pair(b, "TopicArn", topicArn);
    pair(b, "Type", type);
    return b.toString();
  }

  private static void pair(StringBuilder b, String name, String value) {
    b.append(name).append('\n').append(value).append('\n');
  }
}
