package com.doit.idp.awsops;

/**
 * A failure the engineer can act on: its message is the one line {@code aws-ops} prints (after {@code aws-ops: }),
 * saying what went wrong and what to do. It never holds a token, a key or a secret.
 */
public class AwsOpsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AwsOpsException(String message) {
    super(message);
  }

  /** Makes a message from a remote party safe for one line: no control characters, at most 300 characters. */
  static String oneLine(String text) {
    if (text == null) return "";
    String s = text.replaceAll("[\\p{Cntrl}]+", " ").strip();
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
