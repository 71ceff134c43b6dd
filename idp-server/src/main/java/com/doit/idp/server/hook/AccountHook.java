package com.doit.idp.server.hook;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.aws.AccountCheck;
import com.doit.idp.aws.AccountOffboarding;
import com.doit.idp.aws.Provisioner;
import com.doit.idp.role.RoleDirectory;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a checked CloudFormation request does to the customer's account, and the answer it gets (docs/ONBOARDING.md).
 * {@code Create} and {@code Update} look into the account ({@link Provisioner#check}): {@code SUCCESS} with
 * {@code PhysicalResourceId} {@code aws-ops-idp:<account>} and {@code Data} {@code {Issuer, OidcProvidersUsed}}
 * (audit {@code account.onboarded}), or {@code FAILED} with a reason the customer can act on (audit
 * {@code account.refused}). {@code Delete} of our resource offboards the account ({@link AccountOffboarding}) and
 * answers {@code SUCCESS} whatever is left, saying what: a stack deletion is never stuck on us. The answer of a
 * {@code Delete} depends only on what is left, so a second run, here or on another replica, answers the same.
 * Thread-safe.
 */
final class AccountHook {
  static final String ACTOR = "cloudformation-hook";
  static final String PHYSICAL_ID_PREFIX = "aws-ops-idp:";
  private static final Logger log = LoggerFactory.getLogger(AccountHook.class);

  private final Provisioner provisioner;
  private final AccountOffboarding offboarding;
  private final RoleDirectory directory;
  private final AuditLog audit;
  private final Clock clock;
  private final String issuerBase;

  AccountHook(Provisioner provisioner, AccountOffboarding offboarding, RoleDirectory directory, AuditLog audit,
      Clock clock, String issuerBase) {
    this.provisioner = provisioner;
    this.offboarding = offboarding;
    this.directory = directory;
    this.audit = audit;
    this.clock = clock;
    this.issuerBase = issuerBase;
  }

  /** Our resource in the account: the same id in every answer for it, so an update is never read as a replacement. */
  static String physicalId(String account) {
    return PHYSICAL_ID_PREFIX + account;
  }

  CloudFormationResponse answer(CloudFormationRequest r, String requestId, String remoteAddr) {
    return r.requestType().equals(CloudFormationRequest.DELETE) ? delete(r, requestId)
        : onboard(r, requestId, remoteAddr);
  }

  private CloudFormationResponse onboard(CloudFormationRequest r, String requestId, String remoteAddr) {
    AccountCheck check = provisioner.check(r.account());
    if (check.assumable()) {
      int used = check.oidcProvidersUsed().orElse(0);
      audit.write(event(AuditEvent.ACCOUNT_ONBOARDED, r, requestId, remoteAddr)
          .reason(r.requestType().toLowerCase(java.util.Locale.ROOT) + "; " + used + " of 100 OIDC providers used"));
      Map<String, String> data = new LinkedHashMap<>();
      data.put("Issuer", issuerBase);
      data.put("OidcProvidersUsed", Integer.toString(used));
      return CloudFormationResponse.of(r, CloudFormationResponse.SUCCESS, null, physicalId(r.account()), data);
    }
    String reason = check.reason().orElseThrow();
    audit.write(event(AuditEvent.ACCOUNT_REFUSED, r, requestId, remoteAddr).reason(reason));
    // A failed Create gets an id of its own: the Delete that CloudFormation's rollback sends for it must not offboard
    // an account that was onboarded by another stack. A failed Update keeps the resource's id.
    String id = r.requestType().equals(CloudFormationRequest.CREATE) ? physicalId(r.account()) + ":not-onboarded"
        : r.physicalResourceId();
    return CloudFormationResponse.of(r, CloudFormationResponse.FAILED, reason, id, Map.of());
  }

  private CloudFormationResponse delete(CloudFormationRequest r, String requestId) {
    if (!physicalId(r.account()).equals(r.physicalResourceId())) {
      // Not our onboarded resource (a failed Create's, or a replaced one's): nothing of ours hangs on it.
      log.info("hook-delete-not-ours account={} request_id={}", r.account(), requestId);
      return CloudFormationResponse.of(r, CloudFormationResponse.SUCCESS, "nothing of aws-ops-idp to remove",
          r.physicalResourceId(), Map.of());
    }
    AccountOffboarding.Result result = offboarding.offboard(r.account(), ACTOR);
    try {
      directory.refresh(); // this replica stops serving the revoked roles at once
    } catch (RuntimeException e) {
      log.warn("role-directory-refresh-after-offboarding-failed: {}", e.toString());
    }
    String reason = result.left().isEmpty()
        ? "no aws-ops-idp support role remains in account " + r.account()
        : "left in account " + r.account() + " (delete by hand): " + result.left().entrySet().stream()
            .map(e -> e.getKey().engineer() + ": " + e.getValue()).collect(Collectors.joining("; "));
    return CloudFormationResponse.of(r, CloudFormationResponse.SUCCESS, reason, r.physicalResourceId(), Map.of());
  }

  private AuditEvent event(String name, CloudFormationRequest r, String requestId, String remoteAddr) {
    return AuditEvent.of(clock.instant(), name).role(r.account(), null).request(requestId, remoteAddr).actor(ACTOR);
  }
}
