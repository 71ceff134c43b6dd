package com.doit.idp.server.hook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Decides whether an {@link SnsMessage} comes from SNS, before anything in it is acted on or parsed further: the
 * signature version ({@code 1}: SHA1withRSA, {@code 2}: SHA256withRSA), the topic ({@code hooks.sns-topic-arns}),
 * the age ({@code Timestamp} at most {@code hooks.max-age} old, at most 5 minutes ahead of our clock), the
 * certificate URL, then the signature over the canonical string with the certificate {@link SigningCertificates}
 * believes. The cheap checks come first, so a message refused by them causes no outbound call at all. Thread-safe.
 */
final class SnsVerifier {
  /** SNS's and our clocks may differ a little; a message from further ahead is not from SNS. */
  static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

  private final Set<String> topics;
  private final Duration maxAge;
  private final SigningCertificates certificates;
  private final Clock clock;

  SnsVerifier(List<String> topics, Duration maxAge, SigningCertificates certificates, Clock clock) {
    this.topics = Set.copyOf(topics);
    this.maxAge = maxAge;
    this.certificates = certificates;
    this.clock = clock;
  }

  /** Returns quietly when the message is from SNS; throws {@link HookRefusal} (forbidden) or {@link HookUnavailable}. */
  void verify(SnsMessage m) {
    String algorithm = switch (m.signatureVersion()) {
      case "1" -> "SHA1withRSA";
      case "2" -> "SHA256withRSA";
      default -> throw HookRefusal.forbidden("unsupported SignatureVersion");
    };
    if (!topics.contains(m.topicArn())) throw HookRefusal.forbidden("topic not in hooks.sns-topic-arns");
    if (!m.messageId().matches("[A-Za-z0-9-]{1,128}")) throw HookRefusal.forbidden("malformed MessageId");
    Instant sent;
    try {
      sent = Instant.parse(m.timestamp());
    } catch (DateTimeParseException e) {
      throw HookRefusal.forbidden("malformed Timestamp");
    }
    Instant now = clock.instant();
    if (sent.isBefore(now.minus(maxAge))) throw HookRefusal.forbidden("message older than hooks.max-age");
    if (sent.isAfter(now.plus(FUTURE_SKEW))) throw HookRefusal.forbidden("message timestamped in the future");
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(m.signature());
    } catch (IllegalArgumentException e) {
      throw HookRefusal.forbidden("malformed Signature");
    }
    certificates.checkUrl(m.signingCertUrl());
    X509Certificate cert = certificates.certificate(m.signingCertUrl());
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(cert.getPublicKey());
      s.update(m.stringToSign().getBytes(StandardCharsets.UTF_8));
      if (!s.verify(signature)) throw HookRefusal.forbidden("bad signature");
    } catch (GeneralSecurityException e) {
      throw HookRefusal.forbidden("bad signature");
    }
  }
}
