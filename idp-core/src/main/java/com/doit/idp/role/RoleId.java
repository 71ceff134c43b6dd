package com.doit.idp.role;

import java.util.Objects;

/**
 * A support role's identity: one customer account and one engineer, written {@code <account>/<engineer>}.
 * Immutable and thread-safe. The constructor refuses anything that is not exactly the form of docs/TOKEN-EXCHANGE.md
 * "Engineer identity", so a {@code RoleId} in hand is always safe to put in a path, a label or an ARN.
 *
 * <p>An engineer id is {@code [a-z0-9][a-z0-9._@-]*}, 1..{@value #MAX_ENGINEER} characters: an SSO email's local part
 * ({@code jane.doe}) or, with {@code sso.engineer-id = email}, the whole address ({@code jane.doe@doit.com}). Every
 * character of it is also valid in an IAM role name, a role session name and a source identity ({@code [\w+=,.@-]}),
 * and in a URL path, so the issuer {@code <base>/<account>/<engineer>} needs no escaping. 51 keeps the issuer within
 * IAM's 255 characters and {@code DoiT-Support-<engineer>} within IAM's 64.
 */
public record RoleId(String account, String engineer) implements Comparable<RoleId> {
  /** The longest engineer id. */
  public static final int MAX_ENGINEER = 51;
  /** The rule of an engineer id, as messages state it. */
  public static final String ENGINEER_RULE =
      "engineer must match [a-z0-9][a-z0-9._@-]* and be 1.." + MAX_ENGINEER + " characters";

  public RoleId {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(engineer, "engineer");
    if (!isAccount(account)) throw new IllegalArgumentException("account must be 12 digits");
    if (!isEngineer(engineer)) throw new IllegalArgumentException(ENGINEER_RULE);
  }

  /** 12 ASCII digits. */
  public static boolean isAccount(String s) {
    if (s == null || s.length() != 12) return false;
    for (int i = 0; i < 12; i++) {
      if (!digit(s.charAt(i))) return false;
    }
    return true;
  }

  /** {@code [a-z0-9][a-z0-9._@-]*}, 1..{@value #MAX_ENGINEER} characters (checked on every token request: no regex). */
  public static boolean isEngineer(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_ENGINEER) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || digit(c);
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '@' && c != '-'))) return false;
    }
    return true;
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Parses {@code <account>/<engineer>}; throws {@link IllegalArgumentException} with a message fit for a user. */
  public static RoleId parse(String text) {
    if (text == null) throw new IllegalArgumentException("role must be <account>/<engineer>");
    int slash = text.indexOf('/');
    if (slash < 0 || slash != text.lastIndexOf('/')) {
      throw new IllegalArgumentException("role must be <account>/<engineer>");
    }
    return new RoleId(text.substring(0, slash), text.substring(slash + 1));
  }

  @Override
  public int compareTo(RoleId o) {
    int c = account.compareTo(o.account);
    return c != 0 ? c : engineer.compareTo(o.engineer);
  }

  @Override
  public String toString() {
    return account + "/" + engineer;
  }
}
