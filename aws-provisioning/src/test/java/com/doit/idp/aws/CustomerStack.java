package com.doit.idp.aws;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A customer stack template read as CloudFormation would: our own ({@code cloudformation/customer-stack.json}, read
 * from the repository so that what the tests enforce is what customers install) or the older one customers
 * installed before it (the test resource {@code seed-customer-stack.json}). {@link #install} evaluates it for one
 * account and its parameters ({@code Ref}, {@code Fn::Sub}, {@code Fn::If} on {@code Conditions},
 * {@code AWS::NoValue}) into what IAM then holds: the management role's trust and its policy. Immutable.
 */
public final class CustomerStack {
  private static final Pattern SUB = Pattern.compile("\\$\\{([A-Za-z0-9:]+)}");
  private static final Object NO_VALUE = new Object();

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

  /** Our template, {@code cloudformation/customer-stack.json}. */
  public static CustomerStack load() {
    try {
      return new CustomerStack(JSONObjectUtils.parse(Files.readString(file(), StandardCharsets.UTF_8)));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The older template customers installed first: no external id, no limit on what may be attached. */
  public static CustomerStack seed() {
    try (InputStream in = CustomerStack.class.getResourceAsStream("seed-customer-stack.json")) {
      return new CustomerStack(JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What one installation of a stack leaves in IAM that the fake needs: the management role's name, the account its
   * trust names, the external id its trust requires (null: none), and its policy.
   */
  record Installed(String managementRoleName, String trustedAccount, String externalId, TemplatePolicy policy) {}

  /** The stack as installed in {@code account} with {@code parameters} (defaults for those not given). */
  @SuppressWarnings("unchecked")
  Installed install(String account, Map<String, String> parameters) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, Object> declared = (Map<String, Object>) template.getOrDefault("Parameters", Map.of());
    declared.forEach((name, p) -> {
      Object v = parameters.containsKey(name) ? parameters.get(name) : ((Map<String, Object>) p).get("Default");
      if (v == null) throw new IllegalArgumentException("parameter " + name + " has no value");
      values.put(name, String.valueOf(v));
    });
    for (String name : parameters.keySet()) {
      if (!declared.containsKey(name)) throw new IllegalArgumentException("the template has no parameter " + name);
    }
    values.put("AWS::Partition", "aws");
    values.put("AWS::AccountId", account);
    values.put("AWS::Region", FakeAws.REGION);
    Map<String, Object> role = (Map<String, Object>) resolve(properties("AWS::IAM::Role"), values);
    Map<String, Object> trust = (Map<String, Object>) role.get("AssumeRolePolicyDocument");
    List<?> statements = (List<?>) trust.get("Statement");
    if (statements.size() != 1) throw new IllegalStateException("the fake reads one trust statement");
    Map<String, Object> st = (Map<String, Object>) statements.get(0);
    String principal = (String) ((Map<String, Object>) st.get("Principal")).get("AWS");
    Matcher root = Pattern.compile("arn:aws:iam::(\\d{12}):root").matcher(principal);
    if (!root.matches()) throw new IllegalStateException("the fake reads an account root principal, not " + principal);
    String externalId = null;
    Object condition = st.get("Condition");
    if (condition != null) {
      Map<String, Object> equals = (Map<String, Object>) ((Map<String, Object>) condition).get("StringEquals");
      if (equals == null || equals.size() != 1 || !equals.containsKey("sts:ExternalId") || ((Map<String, Object>) condition).size() != 1) {
        throw new IllegalStateException("the fake reads only an sts:ExternalId condition on the trust, not " + condition);
      }
      externalId = (String) equals.get("sts:ExternalId");
    }
    Map<String, Object> policy = (Map<String, Object>) resolve(properties("AWS::IAM::ManagedPolicy").get("PolicyDocument"), values);
    return new Installed((String) role.get("RoleName"), root.group(1), externalId, new TemplatePolicy(policy));
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

  /** The management policy's document, each {@code {"Fn::Sub": s}} replaced by {@code s} (placeholders kept). */
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

  /** CloudFormation's intrinsic functions as far as our templates use them; anything else fails loudly. */
  private Object resolve(Object o, Map<String, String> values) {
    if (o instanceof Map<?, ?> m) {
      if (m.size() == 1) {
        Map.Entry<?, ?> e = m.entrySet().iterator().next();
        String fn = String.valueOf(e.getKey());
        switch (fn) {
          case "Ref" -> {
            String name = String.valueOf(e.getValue());
            if (name.equals("AWS::NoValue")) return NO_VALUE;
            if (!values.containsKey(name)) throw new IllegalStateException("the fake cannot resolve Ref " + name);
            return values.get(name);
          }
          case "Fn::Sub" -> {
            Matcher v = SUB.matcher(String.valueOf(e.getValue()));
            StringBuilder out = new StringBuilder();
            while (v.find()) {
              if (!values.containsKey(v.group(1))) throw new IllegalStateException("the fake cannot resolve ${" + v.group(1) + "}");
              v.appendReplacement(out, Matcher.quoteReplacement(values.get(v.group(1))));
            }
            return v.appendTail(out).toString();
          }
          case "Fn::If" -> {
            List<?> args = (List<?>) e.getValue();
            return resolve(condition(String.valueOf(args.get(0)), values) ? args.get(1) : args.get(2), values);
          }
          default -> {
            if (fn.startsWith("Fn::")) throw new IllegalStateException("the fake cannot resolve " + fn);
          }
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> {
        Object r = resolve(v, values);
        if (r != NO_VALUE) out.put(String.valueOf(k), r);
      });
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object e : l) {
        Object r = resolve(e, values);
        if (r != NO_VALUE) out.add(r);
      }
      return out;
    }
    return o;
  }

  @SuppressWarnings("unchecked")
  private boolean condition(String name, Map<String, String> values) {
    Map<String, Object> conditions = (Map<String, Object>) template.getOrDefault("Conditions", Map.of());
    if (!conditions.containsKey(name)) throw new IllegalStateException("no condition " + name);
    return truth(conditions.get(name), values);
  }

  private boolean truth(Object o, Map<String, String> values) {
    Map<?, ?> m = (Map<?, ?>) o;
    Map.Entry<?, ?> e = m.entrySet().iterator().next();
    List<?> args = e.getValue() instanceof List<?> l ? l : List.of(e.getValue());
    return switch (String.valueOf(e.getKey())) {
      case "Fn::Not" -> !truth(args.get(0), values);
      case "Fn::Equals" -> String.valueOf(resolve(args.get(0), values)).equals(String.valueOf(resolve(args.get(1), values)));
      case "Condition" -> condition(String.valueOf(args.get(0)), values);
      default -> throw new IllegalStateException("the fake cannot evaluate " + e.getKey());
    };
  }
}
