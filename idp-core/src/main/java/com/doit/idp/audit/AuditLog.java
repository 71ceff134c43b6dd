package com.doit.idp.audit;

/**
 * Where audit events go. {@link #write} returns only once the line is handed to the operating system, so a caller
 * that writes before it answers keeps the audit log's promise (docs/RUNBOOK.md "The audit log"): written before the
 * response is sent. Thread-safe.
 */
@FunctionalInterface
public interface AuditLog extends AutoCloseable {
  /** Writes one event; throws {@link AuditLogException} (an {@link java.io.UncheckedIOException}) if it cannot. */
  void write(AuditEvent event);

  /** Releases the file, if any; a no-op by default. */
  @Override
  default void close() {}
}
