package com.doit.idp.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * IAM's authorization of one call by the management role: the {@code Allow} statements of the policy a customer's
 * stack installed (resolved for that account), with IAM's wildcards and the conditions our templates use
 * ({@code StringEquals}, {@code StringLike}, {@code ArnEquals}, {@code ArnLike} on the request's condition keys; a
 * key the request does not set fails its condition). Written apart from the code under test's
 * {@link ManagementPolicy}, so that the two check each other. A policy with anything else fails loudly when read.
 * Immutable.
 */
final class TemplatePolicy {
  private static final Set<String> OPERATORS = Set.of("StringEquals", "StringLike", "ArnEquals", "ArnLike");

  private final List<Map<String, Object>> statements;

  TemplatePolicy(Map<String, Object> document) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object s : asList(document.get("Statement"))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) s;
      if (!"Allow".equals(m.get("Effect")) || m.containsKey("NotAction") || m.containsKey("NotResource")) {
        throw new IllegalStateException("the fake evaluates Allow statements with Action and Resource only");
      }
      if (m.get("Condition") instanceof Map<?, ?> c) {
        for (Map.Entry<?, ?> op : c.entrySet()) {
          if (!OPERATORS.contains(String.valueOf(op.getKey()))) {
            throw new IllegalStateException("the fake cannot evaluate the condition operator " + op.getKey());
          }
        }
      }
      out.add(m);
    }
    this.statements = List.copyOf(out);
  }

  boolean allows(String account, String action, String resource, Map<String, String> context) {
    for (Map<String, Object> s : statements) {
      boolean act = asList(s.get("Action")).stream().anyMatch(x -> wildcard(String.valueOf(x).toLowerCase(Locale.ROOT), 0,
          action.toLowerCase(Locale.ROOT), 0));
      if (!act) continue;
      boolean on = asList(s.get("Resource")).stream().anyMatch(r -> wildcard(fill(String.valueOf(r), account), 0, resource, 0));
      if (on && conditionsHold(s.get("Condition"), account, context)) return true;
    }
    return false;
  }

  private static boolean conditionsHold(Object block, String account, Map<String, String> context) {
    if (!(block instanceof Map<?, ?> byOperator)) return true;
    for (Map.Entry<?, ?> op : byOperator.entrySet()) {
      boolean like = String.valueOf(op.getKey()).endsWith("Like");
      for (Map.Entry<?, ?> key : ((Map<?, ?>) op.getValue()).entrySet()) {
        String given = context.get(String.valueOf(key.getKey()));
        if (given == null) return false;
        boolean any = asList(key.getValue()).stream().map(v -> fill(String.valueOf(v), account))
            .anyMatch(v -> like ? wildcard(v, 0, given, 0) : v.equals(given));
        if (!any) return false;
      }
    }
    return true;
  }

  private static String fill(String pattern, String account) {
    return pattern.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", account);
  }

  /** IAM's {@code *} and {@code ?}, by recursion (independent of the code under test's matcher). */
  static boolean wildcard(String p, int i, String s, int j) {
    if (i == p.length()) return j == s.length();
    char c = p.charAt(i);
    if (c == '*') {
      for (int k = j; k <= s.length(); k++) if (wildcard(p, i + 1, s, k)) return true;
      return false;
    }
    return j < s.length() && (c == '?' || c == s.charAt(j)) && wildcard(p, i + 1, s, j + 1);
  }

  static List<?> asList(Object o) {
    return o instanceof List<?> l ? l : o == null ? List.of() : List.of(o);
  }
}
