package com.doit.idp.server.admin;

import com.doit.idp.audit.AuditEvent;
import com.doit.idp.audit.AuditLog;
import com.doit.idp.server.RequestContext;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The audit log as the server's {@link com.doit.idp.role.RoleService} writes it: every line written while the admin
 * API carries out a request ({@link #during}) gets that request's id and client address, so an admin act can be traced
 * to the HTTP request and the caller that made it. {@code RoleService} writes its lines on the caller's thread before
 * it returns, so the request is bound to that thread for the act's duration. Lines written outside an admin request
 * (the background gc sweep) pass unchanged, and so do lines that already name a request.
 *
 * <p>Does not own the log it writes to ({@link #close} does nothing). Thread-safe.
 */
public final class RequestAuditLog implements AuditLog {
  private final AuditLog log;
  private final ThreadLocal<RequestContext> current = new ThreadLocal<>();

  public RequestAuditLog(AuditLog log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  @Override
  public void write(AuditEvent event) {
    RequestContext ctx = current.get();
    log.write(ctx == null || event.requestId() != null ? event : event.request(ctx.requestId(), ctx.remoteAddr()));
  }

  /** Runs an admin act with {@code ctx} bound to this thread: the audit lines it writes name that request. */
  <T> T during(RequestContext ctx, Supplier<T> act) {
    RequestContext outer = current.get();
    current.set(Objects.requireNonNull(ctx, "ctx"));
    try {
      return act.get();
    } finally {
      if (outer == null) current.remove(); else current.set(outer);
    }
  }
}
