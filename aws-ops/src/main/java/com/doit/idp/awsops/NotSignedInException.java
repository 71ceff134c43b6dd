package com.doit.idp.awsops;

/**
 * No SSO sign-in that can be used without the engineer: none cached, expired without a refresh token, or refused.
 * The line always ends by telling the engineer to run {@code aws-ops login}.
 */
public final class NotSignedInException extends AwsOpsException {
  private static final long serialVersionUID = 1L;

  public NotSignedInException(String why) {
    super("not signed in to the company SSO (" + why + "): run `aws-ops login`");
  }
}
