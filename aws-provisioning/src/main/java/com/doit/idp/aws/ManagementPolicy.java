package com.doit.idp.aws;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the management role in a customer's account lets us do: the {@code Allow} statements of its policy, as data
 * (the resource {@code management-policy.json}, which a test keeps equal to the policy in
 * {@code cloudformation/customer-stack.json}). Resources may use {@code ${AWS::Partition}} and
 * {@code ${AWS::AccountId}} as in {@code Fn::Sub}, and IAM's {@code *} and {@code ?} wildcards. A statement may carry
 * conditions on the call's condition keys ({@link IamCall#context()}) with {@code StringEquals}, {@code StringLike},
 * {@code ArnEquals} or {@code ArnLike}; a key the call does not set fails its condition, as in IAM. Immutable and
 * thread-safe.
 */
public final class ManagementPolicy {
  /** Where the policy's data lives on the class path. */
  public static final String RESOURCE = "management-policy.json";

  /** The condition operators this checker understands; a policy with another is refused when read. */
  static final Set<String> OPERATORS = Set.of("StringEquals", "StringLike", "ArnEquals", "ArnLike");

  /** One condition: the key must be set by the call and match one of the values ({@code *Like}: IAM's wildcards). */
  public record Condition(String operator, String key, List<String> values) {
    public Condition {
      if (!OPERATORS.contains(operator)) throw new IllegalArgumentException("condition operator " + operator + " is not supported");
      values = List.copyOf(values);
    }

    boolean holds(String account, Map<String, String> context) {
      String given = context.get(key);
      if (given == null) return false;
      boolean like = operator.endsWith("Like");
      return values.stream().map(v -> fill(v, account)).anyMatch(v -> like ? glob(v, given) : v.equals(given));
    }
  }

  /** One {@code Allow} statement: actions (case-insensitive, as IAM compares them) on resource patterns, if every condition holds. */
  public record Statement(Set<String> actions, List<String> resources, List<Condition> conditions) {
    public Statement {
      actions = Set.copyOf(actions);
      resources = List.copyOf(resources);
      conditions = List.copyOf(conditions);
    }

    public Statement(Set<String> actions, List<String> resources) {
      this(actions, resources, List.of());
    }
  }

  private final List<Statement> statements;

  public ManagementPolicy(List<Statement> statements) {
    this.statements = List.copyOf(statements);
  }

  /** The policy shipped with this version (the resource {@value #RESOURCE}). */
  public static ManagementPolicy load() {
    try (InputStream in = ManagementPolicy.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the class path");
      return fromDocument(JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(RESOURCE + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads an IAM policy document's {@code Allow} statements. {@code Deny} statements, {@code NotAction},
   * {@code NotResource} and condition operators other than {@link #OPERATORS} are refused: the management policy has
   * none of them, and a checker that ignored them would allow too much.
   */
  public static ManagementPolicy fromDocument(Map<String, Object> document) {
    List<Statement> out = new ArrayList<>();
    for (Object o : list(document.get("Statement"))) {
      if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("a Statement is not an object");
      if (!"Allow".equals(m.get("Effect"))) throw new IllegalArgumentException("only Allow statements are supported");
      if (m.containsKey("NotAction") || m.containsKey("NotResource")) {
        throw new IllegalArgumentException("NotAction and NotResource are not supported");
      }
      Set<String> actions = new LinkedHashSet<>();
      for (Object a : list(m.get("Action"))) actions.add(String.valueOf(a));
      List<String> resources = new ArrayList<>();
      for (Object r : list(m.get("Resource"))) resources.add(String.valueOf(r));
      out.add(new Statement(actions, resources, conditions(m.get("Condition"))));
    }
    return new ManagementPolicy(out);
  }

  private static List<Condition> conditions(Object block) {
    if (block == null) return List.of();
    if (!(block instanceof Map<?, ?> byOperator) || byOperator.isEmpty()) {
      throw new IllegalArgumentException("a Condition is not an object of operators");
    }
    List<Condition> out = new ArrayList<>();
    for (Map.Entry<?, ?> op : byOperator.entrySet()) {
      if (!(op.getValue() instanceof Map<?, ?> byKey) || byKey.isEmpty()) {
        throw new IllegalArgumentException("condition " + op.getKey() + " is not an object of keys");
      }
      for (Map.Entry<?, ?> k : byKey.entrySet()) {
        List<String> values = new ArrayList<>();
        for (Object v : list(k.getValue())) values.add(String.valueOf(v));
        out.add(new Condition(String.valueOf(op.getKey()), String.valueOf(k.getKey()), values));
      }
    }
    return out;
  }

  private static List<?> list(Object o) {
    if (o == null) throw new IllegalArgumentException("a policy element is missing");
    return o instanceof List<?> l ? l : List.of(o);
  }

  public List<Statement> statements() {
    return statements;
  }

  /** True when a statement allows {@code action} on {@code resourceArn} in {@code account} (partition aws). */
  public boolean allows(String account, String action, String resourceArn) {
    return allows(account, action, resourceArn, Map.of());
  }

  /** True when a statement allows the call in {@code account}: action, resource and every condition. */
  public boolean allows(String account, IamCall call) {
    return allows(account, call.action(), call.resourceArn(), call.context());
  }

  private boolean allows(String account, String action, String resourceArn, Map<String, String> context) {
    String act = action.toLowerCase(Locale.ROOT);
    for (Statement s : statements) {
      if (s.actions().stream().noneMatch(a -> glob(a.toLowerCase(Locale.ROOT), act))) continue;
      if (s.resources().stream().noneMatch(r -> glob(fill(r, account), resourceArn))) continue;
      if (s.conditions().stream().allMatch(c -> c.holds(account, context))) return true;
    }
    return false;
  }

  private static String fill(String pattern, String account) {
    return pattern.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", account);
  }

  /**
   * Refuses a plan that needs anything the policy does not allow, naming the first offending call; returns the plan
   * otherwise. Makes no call to AWS.
   *
   * @throws ProvisioningException kind {@code REFUSED}
   */
  public Plan check(Plan plan) {
    for (IamCall c : plan.calls()) {
      if (!allows(plan.role().account(), c)) {
        throw new ProvisioningException(ProvisioningException.Kind.REFUSED, plan.operation().word() + " "
            + plan.role() + " refused before any call: " + c.target() + " (" + c.description()
            + ") is not allowed by the management role's policy; nothing was changed");
      }
    }
    return plan;
  }

  /** IAM's wildcards: {@code *} any run of characters, {@code ?} one character; everything else literal. */
  static boolean glob(String pattern, String value) {
    StringBuilder re = new StringBuilder();
    for (char ch : pattern.toCharArray()) {
      if (ch == '*') re.append(".*");
      else if (ch == '?') re.append('.');
      else re.append(Pattern.quote(String.valueOf(ch)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(value).matches();
  }
}
