package com.doit.idp.role;

import java.util.Objects;
import java.util.regex.Pattern;

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
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
  private static final Pattern ENGINEER = Pattern.compile("[a-z0-9][a-z0-9._@-]{0," + (MAX_ENGINEER - 1) + "}");

  public RoleId {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(engineer, "engineer");
    if (!isAccount(account)) throw new IllegalArgumentException("account must be 12 digits");
    if (!isEngineer(engineer)) throw new IllegalArgumentException(ENGINEER_RULE);
  }

  public static boolean isAccount(String s) {
    return s != null && ACCOUNT.matcher(s).matches();
  }

  public static boolean isEngineer(String s) {
    return s != null && ENGINEER.matcher(s).matches();
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
