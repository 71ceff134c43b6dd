package com.doit.idp.server.lifecycle;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition that another thread or process makes true (a background refresh, a sweep, a second
 * server): the deadline is the contract's bound (a few cache TTLs), not a measurement of speed.
 */
final class Poll {
  private Poll() {}

  /** Polls every 100 ms until {@code condition} holds; fails with {@code what} and the last value otherwise. */
  static <T> T until(Duration deadline, String what, Supplier<T> value, java.util.function.Predicate<T> condition) {
    long end = System.nanoTime() + deadline.toNanos();
    T last;
    while (true) {
      last = value.get();
      if (condition.test(last)) return last;
      if (System.nanoTime() > end) throw new AssertionError(what + " not seen within " + deadline + "; last: " + last);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
  }
}
