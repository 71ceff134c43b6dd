package com.doit.idp.aws;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our CloudFormation template for customers ({@code cloudformation/customer-stack.json}), read as CloudFormation
 * would: the management role's name and trust, and its policy with {@code Fn::Sub} written back as plain strings
 * (placeholders kept). The tests read the template itself, so what they enforce is what customers install.
 */
final class CustomerStack {
  final Map<String, Object> template;

  private CustomerStack(Map<String, Object> template) {
    this.template = template;
  }

  static Path file() {
    // Surefire runs in the module's folder; the template lives at the repository's root.
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("cloudformation/customer-stack.json");
    if (!Files.isRegularFile(p)) throw new IllegalStateException("template not found at " + p);
    return p;
  }

  static CustomerStack load() {
    try {
      return new CustomerStack(JSONObjectUtils.parse(Files.readString(file(), StandardCharsets.UTF_8)));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> resource(String type) {
    Map<String, Object> resources = (Map<String, Object>) template.get("Resources");
    List<Map<String, Object>> found = new ArrayList<>();
    for (Object r : resources.values()) {
      Map<String, Object> m = (Map<String, Object>) r;
      if (type.equals(m.get("Type"))) found.add(m);
    }
    if (found.size() != 1) throw new IllegalStateException("expected one " + type + ", found " + found.size());
    return found.get(0);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> properties(String type) {
    return (Map<String, Object>) resource(type).get("Properties");
  }

  /** The management policy's document, each {@code {"Fn::Sub": s}} replaced by {@code s}. */
  @SuppressWarnings("unchecked")
  Map<String, Object> policyDocument() {
    return (Map<String, Object>) unSub(properties("AWS::IAM::ManagedPolicy").get("PolicyDocument"));
  }

  String managementRoleName() {
    return (String) properties("AWS::IAM::Role").get("RoleName");
  }

  private static Object unSub(Object o) {
    if (o instanceof Map<?, ?> m) {
      if (m.size() == 1 && m.containsKey("Fn::Sub")) return m.get("Fn::Sub");
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), unSub(v)));
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object e : l) out.add(unSub(e));
      return out;
    }
    return o;
  }
}
