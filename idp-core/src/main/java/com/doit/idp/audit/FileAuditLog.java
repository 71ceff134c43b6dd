package com.doit.idp.audit;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The audit log file: one JSON object per line, appended with a single {@code write} per line in append mode, so
 * lines from the server and from {@code keys-admin} on the same file never interleave. Thread-safe.
 */
public final class FileAuditLog implements AuditLog {
  private final FileOutputStream out;

  public FileAuditLog(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      this.out = new FileOutputStream(file.toFile(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit log " + file, e);
    }
  }

  @Override
  public void write(AuditEvent event) {
    byte[] line = (JSONObjectUtils.toJSONString(event.toMap()) + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (out) {
      try {
        out.write(line);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the audit log", e);
      }
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
