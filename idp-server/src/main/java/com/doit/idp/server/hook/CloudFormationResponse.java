package com.doit.idp.server.hook;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Our answer to one custom-resource request, as CloudFormation reads it from the {@code ResponseURL}:
 * {@code Status}, {@code Reason} (required on {@code FAILED}), {@code PhysicalResourceId}, the request's
 * {@code StackId}, {@code RequestId} and {@code LogicalResourceId}, and {@code Data}. The JSON stays within
 * CloudFormation's 4,096 bytes: a long reason is cut. Immutable.
 */
record CloudFormationResponse(String status, String reason, String physicalResourceId, String stackId,
    String requestId, String logicalResourceId, Map<String, String> data) {
  static final String SUCCESS = "SUCCESS";
  static final String FAILED = "FAILED";
  static final int MAX_BYTES = 4096;
  private static final int MAX_REASON = 1500;

  CloudFormationResponse {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(physicalResourceId, "physicalResourceId");
    if (FAILED.equals(status) && reason == null) throw new IllegalArgumentException("a FAILED answer needs a reason");
    if (reason != null && reason.length() > MAX_REASON) reason = reason.substring(0, MAX_REASON - 3) + "...";
    data = data == null ? Map.of() : Map.copyOf(data);
  }

  static CloudFormationResponse of(CloudFormationRequest r, String status, String reason, String physicalResourceId,
      Map<String, String> data) {
    return new CloudFormationResponse(status, reason, physicalResourceId, r.stackId(), r.requestId(),
        r.logicalResourceId(), data);
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Status", status);
    if (reason != null) m.put("Reason", reason);
    m.put("PhysicalResourceId", physicalResourceId);
    m.put("StackId", stackId);
    m.put("RequestId", requestId);
    m.put("LogicalResourceId", logicalResourceId);
    m.put("NoEcho", false);
    if (!data.isEmpty()) m.put("Data", new java.util.TreeMap<>(data));
    return m;
  }

  byte[] bytes() {
    byte[] b = JSONObjectUtils.toJSONString(toJson()).getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_BYTES) throw new IllegalStateException("the answer is longer than CloudFormation takes");
    return b;
  }
}
