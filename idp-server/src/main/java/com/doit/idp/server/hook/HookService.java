package com.doit.idp.server.hook;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.aws.AccountOffboarding;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleService;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of {@code POST /hooks/cloudformation} (docs/ONBOARDING.md), with no HTTP server in sight: the SNS
 * message is verified first ({@link SnsVerifier}), then by type: a subscription to an allowed topic is confirmed,
 * an unsubscribe confirmation is noted, a notification's CloudFormation request is checked
 * ({@link CloudFormationRequest}), answered ({@link AccountHook}, once per request on this replica:
 * {@link HookLedger}) and the answer delivered ({@link CloudFormationResponder}). Every refusal is audited
 * ({@code hook.refused}, with the reason) before it is thrown; nothing is done and no outbound call follows it.
 * Thread-safe.
 */
public final class HookService {
  private static final Logger log = LoggerFactory.getLogger(HookService.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** What a delivery came to; its word is the answer's {@code status}. */
  public enum Outcome {
    ANSWERED("answered"),
    ALREADY_ANSWERED("already_answered"),
    SUBSCRIPTION_CONFIRMED("subscription_confirmed"),
    UNSUBSCRIBE_NOTED("unsubscribe_noted");

    private final String word;

    Outcome(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  private final SnsVerifier verifier;
  private final SigningCertificates certificates;
  private final AccountHook accounts;
  private final CloudFormationResponder responder;
  private final HookLedger ledger;
  private final AuditLog audit;
  private final Clock clock;
  private final String managementRoleName;
  private final boolean allowLoopback;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER).build();

  private HookService(SnsVerifier verifier, SigningCertificates certificates, AccountHook accounts,
      CloudFormationResponder responder, HookLedger ledger, AuditLog audit, Clock clock, String managementRoleName,
      boolean allowLoopback) {
    this.verifier = verifier;
    this.certificates = certificates;
    this.accounts = accounts;
    this.responder = responder;
    this.ledger = ledger;
    this.audit = audit;
    this.clock = clock;
    this.managementRoleName = managementRoleName;
    this.allowLoopback = allowLoopback;
  }

  /**
   * The receiver for {@code config}'s {@code hooks.*} and {@code aws.*}.
   *
   * @param firstRetryBackoff the wait before the second try of an answer's delivery (then doubling)
   * @throws IllegalStateException when {@code hooks.trust-store} cannot be read
   */
  public static HookService create(IdpConfig config, Provisioner provisioner, RoleService roles,
      RoleDirectory directory, AuditLog audit, Clock clock, Duration firstRetryBackoff) {
    Objects.requireNonNull(provisioner, "provisioner");
    IdpConfig.Hooks h = config.hooks();
    SigningCertificates certs = new SigningCertificates(h.snsCertHosts(), SigningCertificates.anchors(h.trustStore()), clock);
    AccountHook accounts = new AccountHook(provisioner, new AccountOffboarding(roles, provisioner, audit, clock),
        directory, audit, clock, config.issuer().baseUrl());
    return new HookService(new SnsVerifier(h.snsTopicArns(), h.maxAge(), certs, clock), certs, accounts,
        new CloudFormationResponder(firstRetryBackoff), new HookLedger(h.maxAge()), audit, clock,
        config.aws().managementRoleName(), h.allowLoopbackResponseUrl());
  }

  /**
   * Handles one delivery of {@code body}.
   *
   * @throws HookRefusal when the message is refused (audited already)
   * @throws HookUnavailable when the work could not be finished now; SNS's redelivery finishes it
   */
  public Outcome handle(String body, String requestId, String remoteAddr) {
    try {
      return handleVerified(body, requestId, remoteAddr);
    } catch (HookRefusal r) {
      refused(r.reason(), r.account(), requestId, remoteAddr);
      throw r;
    }
  }

  /** Audits a delivery refused before it reached this service (a body over {@code http.max-body}, not UTF-8). */
  public void refused(String reason, String requestId, String remoteAddr) {
    refused(reason, null, requestId, remoteAddr);
  }

  private void refused(String reason, String account, String requestId, String remoteAddr) {
    log.warn("hook-refused request_id={} reason={}", requestId, reason);
    audit.write(AuditEvent.of(clock.instant(), AuditEvent.HOOK_REFUSED).role(account, null).reason(reason)
        .request(requestId, remoteAddr).actor(AccountHook.ACTOR));
  }

  private Outcome handleVerified(String body, String requestId, String remoteAddr) {
    SnsMessage m = SnsMessage.parse(body);
    verifier.verify(m);
    switch (m.type()) {
      case SnsMessage.SUBSCRIPTION_CONFIRMATION -> {
        confirm(m);
        return Outcome.SUBSCRIPTION_CONFIRMED;
      }
      case SnsMessage.UNSUBSCRIBE_CONFIRMATION -> {
        log.warn("hook-unsubscribed topic={}: subscribe the endpoint again to receive the stacks' requests", m.topicArn());
        return Outcome.UNSUBSCRIBE_NOTED;
      }
      default -> {
        // A replay of a message whose answer this replica delivered does nothing, and is no error: SNS redelivers
        // when our 2xx got lost.
        if (ledger.delivered(m.messageId())) return Outcome.ALREADY_ANSWERED;
        CloudFormationRequest request = CloudFormationRequest.parse(m.message(), m.topicArn(), managementRoleName, allowLoopback);
        CloudFormationResponse answer = ledger.answer(request, () -> accounts.answer(request, requestId, remoteAddr));
        responder.send(request, answer);
        ledger.markDelivered(m.messageId());
        return Outcome.ANSWERED;
      }
    }
  }

  /** Confirms a subscription: {@code SubscribeURL} only on the same SNS host as the verified certificate. */
  private void confirm(SnsMessage m) {
    URI cert = certificates.checkUrl(m.signingCertUrl());
    URI subscribe;
    try {
      subscribe = new URI(m.subscribeUrl());
    } catch (java.net.URISyntaxException e) {
      throw HookRefusal.malformed("SubscribeURL is not a URL");
    }
    if (!Objects.equals(subscribe.getScheme(), cert.getScheme()) || !Objects.equals(subscribe.getHost(), cert.getHost())
        || subscribe.getPort() != cert.getPort() || subscribe.getRawUserInfo() != null) {
      throw HookRefusal.forbidden("SubscribeURL is not on the SNS host that signed the message");
    }
    Map<String, String> query = query(subscribe.getRawQuery());
    if (!"ConfirmSubscription".equals(query.get("Action")) || !m.topicArn().equals(query.get("TopicArn"))) {
      throw HookRefusal.forbidden("SubscribeURL does not confirm a subscription to this topic");
    }
    int status;
    try {
      status = http.send(HttpRequest.newBuilder(subscribe).timeout(TIMEOUT).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new HookUnavailable("the subscription could not be confirmed (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HookUnavailable("interrupted while confirming the subscription");
    }
    if (status != 200) throw new HookUnavailable("SNS answered " + status + " to the subscription confirmation");
    log.info("hook-subscription-confirmed topic={}", m.topicArn());
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) return out;
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        out.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw HookRefusal.forbidden("SubscribeURL is not correctly encoded");
      }
    }
    return out;
  }
}
