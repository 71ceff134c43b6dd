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
 * {@code ${AWS::AccountId}} as in {@code Fn::Sub}, and IAM's {@code *} and {@code ?} wildcards. Immutable and
 * thread-safe.
 */
public final class ManagementPolicy {
  /** Where the policy's data lives on the class path. */
  public static final String RESOURCE = "management-policy.json";

  /** One {@code Allow} statement: actions (case-insensitive, as IAM compares them) on resource patterns. */
  public record Statement(Set<String> actions, List<String> resources) {
    public Statement {
      actions = Set.copyOf(actions);
      resources = List.copyOf(resources);
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
   * Reads an IAM policy document's {@code Allow} statements. {@code Deny} statements and conditions are refused:
   * the management policy has neither, and a checker that ignored them would allow too much.
   */
  public static ManagementPolicy fromDocument(Map<String, Object> document) {
    List<Statement> out = new ArrayList<>();
    for (Object o : list(document.get("Statement"))) {
      if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("a Statement is not an object");
      if (!"Allow".equals(m.get("Effect"))) throw new IllegalArgumentException("only Allow statements are supported");
      if (m.containsKey("Condition") || m.containsKey("NotAction") || m.containsKey("NotResource")) {
        throw new IllegalArgumentException("Condition, NotAction and NotResource are not supported");
      }
      Set<String> actions = new LinkedHashSet<>();
      for (Object a : list(m.get("Action"))) actions.add(String.valueOf(a));
      List<String> resources = new ArrayList<>();
      for (Object r : list(m.get("Resource"))) resources.add(String.valueOf(r));
      out.add(new Statement(actions, resources));
    }
    return new ManagementPolicy(out);
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
    for (Statement s : statements) {
      boolean actionMatches = s.actions().stream().anyMatch(a -> glob(a.toLowerCase(Locale.ROOT), action.toLowerCase(Locale.ROOT)));
      if (!actionMatches) continue;
      for (String r : s.resources()) {
        String pattern = r.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", account);
        if (glob(pattern, resourceArn)) return true;
      }
    }
    return false;
  }

  /**
   * Refuses a plan that needs anything the policy does not allow, naming the first offending call; returns the plan
   * otherwise. Makes no call to AWS.
   *
   * @throws ProvisioningException kind {@code REFUSED}
   */
  public Plan check(Plan plan) {
    for (IamCall c : plan.calls()) {
      if (!allows(plan.role().account(), c.action(), c.resourceArn())) {
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
