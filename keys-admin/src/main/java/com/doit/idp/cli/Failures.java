package com.doit.idp.cli;

import com.doit.idp.aws.ProvisioningException;
import com.doit.idp.config.ConfigException;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.RoleException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** Turns an exception into exit code 1 and one line on stderr. */
final class Failures {
  static final int FAILURE = 1;

  private Failures() {}

  static int report(Throwable e, boolean verbose, PrintWriter err) {
    err.println("keys-admin: " + oneLine(message(e)));
    if (verbose) e.printStackTrace(err);
    err.flush();
    return FAILURE;
  }

  /**
   * Our own exceptions carry messages written for a person and free of secrets (their classes promise it); anything
   * else is unexpected, so its type is named and the details are left to {@code --verbose}.
   */
  static String message(Throwable e) {
    String m = e.getMessage();
    if (e instanceof CliFailure || e instanceof RoleException || e instanceof ConfigException
        || e instanceof ProvisioningException || e instanceof IllegalArgumentException) {
      return m;
    }
    // Say where it failed, once: the store's own messages mostly start with "hsm" already.
    if (e instanceof HsmException) return m != null && m.startsWith("hsm") ? m : "hsm: " + m;
    if (e instanceof UncheckedIOException) {
      return m + (e.getCause() == null ? "" : " (" + e.getCause().getClass().getSimpleName() + ")");
    }
    return "unexpected " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m) + " (run with --verbose for details)";
  }

  private static String oneLine(String s) {
    return s == null ? "failed" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
