package com.doit.idp.server.web;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies that one listener may hold at once, received or being received, until their requests
 * are answered. {@code http.max-connections} and {@code http.max-body} bound them too, but only as a product (1,000
 * connections each holding 64 KiB is 64 MiB, half the server's default heap); this bounds them by itself, so that
 * clients that send a body nearly whole and then stall cannot take the heap whatever the two settings. A body that
 * would overflow it is refused with 503 (docs/HTTP-API.md "Limits against hostile clients"). Thread-safe.
 */
public final class BodyBudget {
  /** The budget of a listener whose bodies are at most {@code maxBody}: 16 MiB, or two whole bodies if more. */
  public static BodyBudget forMaxBody(long maxBody) {
    return new BodyBudget(Math.max(16L * 1024 * 1024, 2 * (maxBody + 1)));
  }

  private final long capacity;
  private final AtomicLong held = new AtomicLong();

  public BodyBudget(long capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
    this.capacity = capacity;
  }

  /** Takes {@code n} bytes if they fit; false (and nothing taken) if they do not. */
  boolean reserve(long n) {
    while (true) {
      long h = held.get();
      if (h + n > capacity) return false;
      if (held.compareAndSet(h, h + n)) return true;
    }
  }

  void release(long n) {
    held.addAndGet(-n);
  }

  /** Bytes held now. */
  public long held() {
    return held.get();
  }
}
