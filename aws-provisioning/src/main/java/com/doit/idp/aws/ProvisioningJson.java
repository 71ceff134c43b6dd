package com.doit.idp.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON shapes of plans, reports and failures, shared by {@code keys-admin --json} and the admin API (as maps for
 * nimbus's {@code JSONObjectUtils.toJSONString}). Stateless and thread-safe.
 */
public final class ProvisioningJson {
  private ProvisioningJson() {}

  /**
   * {@code {"role", "operation", "assume_role_arn", "calls": [{"action", "resource_arn", "condition_keys"?,
   * "description"}]}}; {@code condition_keys} only for calls that set some ({@code iam:PolicyARN}).
   */
  public static Map<String, Object> plan(Plan plan) {
    List<Object> calls = new ArrayList<>();
    for (IamCall c : plan.calls()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("action", c.action());
      m.put("resource_arn", c.resourceArn());
      if (!c.context().isEmpty()) m.put("condition_keys", new java.util.TreeMap<>(c.context()));
      m.put("description", c.description());
      calls.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", plan.role().toString());
    out.put("operation", plan.operation().word());
    out.put("assume_role_arn", plan.assumeRoleArn());
    out.put("calls", calls);
    return out;
  }

  /** {@code {"role", "operation", "changed", "summary", "steps": [{"what", "resource_arn", "outcome"}]}}. */
  public static Map<String, Object> report(Report report) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", report.role().toString());
    out.put("operation", report.operation().word());
    out.put("changed", report.changed());
    out.put("summary", report.summary());
    out.put("steps", steps(report.steps()));
    return out;
  }

  /**
   * {@code {"error": "<kind>", "error_description", "done": [steps], "left": [what]}}, kind in lower case
   * ({@code refused}, {@code quota}, {@code access_denied}, {@code aws_error}, {@code unreachable}).
   */
  public static Map<String, Object> failure(ProvisioningException e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", e.kind().name().toLowerCase(Locale.ROOT));
    out.put("error_description", e.getMessage());
    out.put("done", steps(e.done()));
    out.put("left", List.copyOf(e.left()));
    return out;
  }

  private static List<Object> steps(List<Report.Step> steps) {
    List<Object> out = new ArrayList<>();
    for (Report.Step s : steps) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", s.what());
      m.put("resource_arn", s.resourceArn());
      m.put("outcome", s.outcome().words());
      out.add(m);
    }
    return out;
  }
}
