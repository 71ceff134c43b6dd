package com.doit.idp.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One line of the audit log (docs/RUNBOOK.md "The audit log"). Fields that do not apply are null and left out of the
 * line. Never holds a token, a PIN or a key: {@code kid} and {@code jti} are identifiers, not secrets. {@code count}
 * is only on {@link #TOKEN_DENIED_DROPPED}: how many {@code token.denied} lines were not written.
 */
public record AuditEvent(
    Instant ts, String event, String engineer, String account, String kid, String jti, String reason,
    String requestId, String remoteAddr, String actor, Long count) {

  public static final String TOKEN_ISSUED = "token.issued";
  public static final String TOKEN_DENIED = "token.denied";
  public static final String ROLE_CREATED = "role.created";
  public static final String ROLE_EXTENDED = "role.extended";
  public static final String ROLE_ROTATED = "role.rotated";
  public static final String ROLE_REVOKED = "role.revoked";
  public static final String ROLE_EXPIRED = "role.expired";
  public static final String KEY_DELETED = "key.deleted";
  /** A summary of refused token requests whose lines were dropped ({@link BoundedDenialAudit}). */
  public static final String TOKEN_DENIED_DROPPED = "token.denied.dropped";
  public static final String ACCOUNT_ONBOARDED = "account.onboarded";
  public static final String ACCOUNT_REFUSED = "account.refused";
  public static final String ACCOUNT_OFFBOARDED = "account.offboarded";
  public static final String HOOK_REFUSED = "hook.refused";

  public AuditEvent {
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(event, "event");
  }

  public static AuditEvent of(Instant ts, String event) {
    return new AuditEvent(ts, event, null, null, null, null, null, null, null, null, null);
  }

  public AuditEvent role(String account, String engineer) {
    return new AuditEvent(ts, event, engineer, account, kid, jti, reason, requestId, remoteAddr, actor, count);
  }

  public AuditEvent engineer(String e) {
    return new AuditEvent(ts, event, e, account, kid, jti, reason, requestId, remoteAddr, actor, count);
  }

  public AuditEvent kid(String k) {
    return new AuditEvent(ts, event, engineer, account, k, jti, reason, requestId, remoteAddr, actor, count);
  }

  public AuditEvent jti(String j) {
    return new AuditEvent(ts, event, engineer, account, kid, j, reason, requestId, remoteAddr, actor, count);
  }

  public AuditEvent reason(String r) {
    return new AuditEvent(ts, event, engineer, account, kid, jti, r, requestId, remoteAddr, actor, count);
  }

  public AuditEvent request(String id, String addr) {
    return new AuditEvent(ts, event, engineer, account, kid, jti, reason, id, addr, actor, count);
  }

  public AuditEvent actor(String a) {
    return new AuditEvent(ts, event, engineer, account, kid, jti, reason, requestId, remoteAddr, a, count);
  }

  public AuditEvent count(long n) {
    return new AuditEvent(ts, event, engineer, account, kid, jti, reason, requestId, remoteAddr, actor, n);
  }

  /** The fields in line order, nulls left out. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ts", ts.toString());
    m.put("event", event);
    put(m, "engineer", engineer);
    put(m, "account", account);
    put(m, "kid", kid);
    put(m, "jti", jti);
    put(m, "reason", reason);
    put(m, "request_id", requestId);
    put(m, "remote_addr", remoteAddr);
    put(m, "actor", actor);
    if (count != null) m.put("count", count);
    return m;
  }

  private static void put(Map<String, Object> m, String k, String v) {
    if (v != null) m.put(k, v);
  }
}
