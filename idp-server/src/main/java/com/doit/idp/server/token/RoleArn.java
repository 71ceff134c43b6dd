package com.doit.idp.server.token;

import com.doit.idp.role.RoleId;
import java.util.Optional;

/**
 * A customer role ARN as a token request names it: {@code arn:aws:iam::<12 digits>:role/<name>}, with no path
 * (our customer roles have none) and a name IAM allows: 1..64 of {@code [\w+=,.@-]}. Immutable.
 */
record RoleArn(String account, String roleName) {
  private static final String PREFIX = "arn:aws:iam::";
  private static final String ROLE = ":role/";

  /** The ARN's account and role name; empty for anything else. Read by hand, not by a regex: once per request. */
  static Optional<RoleArn> parse(String text) {
    int nameAt = PREFIX.length() + 12 + ROLE.length();
    if (text.length() <= nameAt || text.length() > nameAt + 64 || !text.startsWith(PREFIX)
        || !text.startsWith(ROLE, PREFIX.length() + 12)) {
      return Optional.empty();
    }
    String account = text.substring(PREFIX.length(), PREFIX.length() + 12);
    if (!RoleId.isAccount(account)) return Optional.empty();
    String name = text.substring(nameAt);
    for (int i = 0; i < name.length(); i++) {
      if (!TokenMinter.isIamNameChar(name.charAt(i))) return Optional.empty();
    }
    return Optional.of(new RoleArn(account, name));
  }
}
