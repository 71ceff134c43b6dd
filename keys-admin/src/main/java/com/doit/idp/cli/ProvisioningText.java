package com.doit.idp.cli;

import com.doit.idp.aws.Report;
import java.io.PrintWriter;

/** The text of a provisioning {@link Report}: one line a resource, then the summary. Stateless. */
final class ProvisioningText {
  private ProvisioningText() {}

  static void print(PrintWriter out, Report report) {
    out.println(report.operation().word() + " " + report.role() + " in the customer's account");
    for (Report.Step s : report.steps()) out.println("  " + s.line());
    out.println(report.summary());
  }
}
