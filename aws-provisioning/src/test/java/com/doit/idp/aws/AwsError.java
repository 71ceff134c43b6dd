package com.doit.idp.aws;

/**
 * An error answer of the fake IAM or STS: the code, the message, and the HTTP status and fault type AWS uses for that
 * code. Thrown anywhere while a request is handled; {@link FakeAws} writes it as AWS's XML error document.
 */
final class AwsError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final String code;

  AwsError(String code, String message) {
    super(message);
    this.code = code;
  }

  int status() {
    return switch (code) {
      case "NoSuchEntity" -> 404;
      case "EntityAlreadyExists", "LimitExceeded", "DeleteConflict", "ConcurrentModification" -> 409;
      case "AccessDenied", "InvalidClientTokenId", "MissingAuthenticationToken", "SignatureDoesNotMatch",
          "ExpiredToken" -> 403;
      case "ServiceFailure", "InternalFailure" -> 500;
      case "ServiceUnavailable" -> 503;
      default -> 400;
    };
  }

  String type() {
    return status() >= 500 ? "Receiver" : "Sender";
  }
}
