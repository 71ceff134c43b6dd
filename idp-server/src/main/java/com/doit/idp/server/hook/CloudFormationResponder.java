package com.doit.idp.server.hook;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an answer to its {@code ResponseURL}: a {@code PUT} of the JSON with an empty {@code Content-Type} (the URL
 * is presigned without one, as AWS's own {@code cfn-response} sends it) and its {@code Content-Length}, no redirect
 * followed. Network errors and 5xx are tried again with exponential backoff ({@value #ATTEMPTS} tries); a 4xx is
 * final (the URL expired or was tampered with). Logs name the host only: the presigned query grants the write.
 * Thread-safe.
 */
final class CloudFormationResponder {
  static final int ATTEMPTS = 5;
  private static final Logger log = LoggerFactory.getLogger(CloudFormationResponder.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http;
  private final Duration firstBackoff;

  /** @param firstBackoff the wait before the second try; it doubles before each next one */
  CloudFormationResponder(Duration firstBackoff) {
    this.firstBackoff = firstBackoff;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Delivers {@code answer} for {@code request}.
   *
   * @throws HookUnavailable when every try failed, or the URL refused it
   */
  void send(CloudFormationRequest request, CloudFormationResponse answer) {
    byte[] body = answer.bytes();
    HttpRequest put = HttpRequest.newBuilder(request.responseUrl()).timeout(TIMEOUT)
        .header("Content-Type", "")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    Duration wait = firstBackoff;
    String last = "no try";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        int status = http.send(put, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status >= 200 && status < 300) {
          log.info("hook-answered status={} request_id={} to={} tries={}", answer.status(), request.requestId(),
              request.responseUrlForLog(), attempt);
          return;
        }
        last = "HTTP " + status;
        if (status < 500) break;
      } catch (IOException e) {
        last = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        last = "interrupted";
        break;
      }
      if (attempt < ATTEMPTS) {
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        wait = wait.multipliedBy(2);
      }
    }
    log.warn("hook-answer-failed request_id={} to={} last={}", request.requestId(), request.responseUrlForLog(), last);
    throw new HookUnavailable("the answer could not be delivered to CloudFormation (" + last + ")");
  }
}
