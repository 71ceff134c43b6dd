package com.doit.idp.server.token;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A customer role ARN as a token request names it: {@code arn:aws:iam::<12 digits>:role/<name>}, with no path
 * (our customer roles have none) and a name IAM allows. Immutable.
 */
record RoleArn(String account, String roleName) {
  /** IAM role names: 1..64 of {@code [\w+=,.@-]}. */
  private static final Pattern ARN = Pattern.compile("arn:aws:iam::([0-9]{12}):role/([\\w+=,.@-]{1,64})");

  static Optional<RoleArn> parse(String text) {
    Matcher m = ARN.matcher(text);
    return m.matches() ? Optional.of(new RoleArn(m.group(1), m.group(2))) : Optional.empty();
  }
}
