package com.doit.idp.server.hook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * This replica's memory of hook messages, so that a redelivery does nothing twice (docs/ONBOARDING.md, "At least
 * once, never twice"): the SNS message ids whose answer was delivered, and the answer computed for each
 * CloudFormation request ({@code StackId} and {@code RequestId}), shared by every delivery of it, concurrent or
 * later. Entries live a little longer than {@code hooks.max-age}, since older messages are refused anyway; at most
 * 10,000 of each. Not shared between replicas and lost on restart: what it saves is repeated work, never
 * correctness, because the work itself is idempotent. Thread-safe.
 */
final class HookLedger {
  private static final int MAX_ENTRIES = 10_000;

  private final Cache<String, Boolean> delivered;
  private final Cache<String, CompletableFuture<CloudFormationResponse>> answers;

  HookLedger(Duration maxAge) {
    Duration keep = maxAge.plus(SnsVerifier.FUTURE_SKEW).plusMinutes(5);
    this.delivered = Caffeine.newBuilder().expireAfterWrite(keep).maximumSize(MAX_ENTRIES).build();
    this.answers = Caffeine.newBuilder().expireAfterWrite(keep).maximumSize(MAX_ENTRIES).build();
  }

  /** True when the answer to this SNS message was delivered by this replica. */
  boolean delivered(String messageId) {
    return delivered.getIfPresent(messageId) != null;
  }

  void markDelivered(String messageId) {
    delivered.put(messageId, Boolean.TRUE);
  }

  /**
   * The answer to {@code request}: computed by {@code work} for the first delivery, the same one for every other.
   * A delivery that arrives while the first is working waits for its answer. When {@code work} throws, the answer is
   * forgotten, so a redelivery tries again.
   */
  CloudFormationResponse answer(CloudFormationRequest request, Supplier<CloudFormationResponse> work) {
    String key = request.stackId() + "|" + request.requestId();
    CompletableFuture<CloudFormationResponse> mine = new CompletableFuture<>();
    CompletableFuture<CloudFormationResponse> existing = answers.asMap().putIfAbsent(key, mine);
    if (existing != null) {
      try {
        return existing.join();
      } catch (CompletionException e) {
        // The first delivery failed; this one reports the same failure, and SNS's next delivery tries again.
        if (e.getCause() instanceof RuntimeException r) throw r;
        throw e;
      }
    }
    try {
      mine.complete(work.get());
    } catch (RuntimeException e) {
      answers.asMap().remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
    return mine.join();
  }
}
