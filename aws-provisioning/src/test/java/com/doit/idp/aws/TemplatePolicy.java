package com.doit.idp.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * IAM's authorization of one call by the management role: the {@code Allow} statements of the policy in our
 * CloudFormation template, with {@code ${AWS::Partition}} and {@code ${AWS::AccountId}} filled in and IAM's
 * wildcards. Written apart from the code under test's {@link ManagementPolicy}, so that the two check each other.
 * Immutable.
 */
final class TemplatePolicy {
  private final List<Map<String, Object>> statements;

  TemplatePolicy(Map<String, Object> document) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object s : asList(document.get("Statement"))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) s;
      out.add(m);
    }
    this.statements = List.copyOf(out);
  }

  boolean allows(String account, String action, String resource) {
    for (Map<String, Object> s : statements) {
      if (!"Allow".equals(s.get("Effect"))) continue;
      boolean act = asList(s.get("Action")).stream().anyMatch(x -> wildcard(String.valueOf(x).toLowerCase(Locale.ROOT), 0,
          action.toLowerCase(Locale.ROOT), 0));
      if (!act) continue;
      for (Object r : asList(s.get("Resource"))) {
        if (wildcard(fill(String.valueOf(r), account), 0, resource, 0)) return true;
      }
    }
    return false;
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
