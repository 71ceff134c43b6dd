package com.doit.idp.server;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Property tests over generated inputs, with plain JUnit 5: {@link #forAll} draws inputs from a seeded
 * {@link Random} and checks each. The seed is random unless {@code -Didp.seed=N} fixes it; a failure names the seed,
 * the try and the input, so {@code -Didp.seed=N} replays the same inputs in the same order. There is no shrinking:
 * generators keep inputs short enough to read.
 *
 * <p>The generators below are functions of a {@link Random}, composed with {@link #oneOf}, {@link #weighted} and
 * {@link #listOf}. Stateless and thread-safe; a {@link Random} belongs to one try.
 */
public final class Generated {
  /** Fixes the seed of every property of the run, to replay a failure. */
  public static final String SEED_PROPERTY = "idp.seed";
  /** {@code -Didp.fuzz.long=true} enables the long runs ({@code @EnabledIfSystemProperty}). */
  public static final String LONG_RUN_PROPERTY = "idp.fuzz.long";

  private Generated() {}

  /** A generator: one value from a source of randomness. */
  @FunctionalInterface
  public interface Gen<T> extends Function<Random, T> {
    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
      return r -> f.apply(apply(r));
    }
  }

  /** The run's seed: {@code -Didp.seed} or a fresh random one. */
  public static long seed() {
    Long fixed = Long.getLong(SEED_PROPERTY);
    return fixed != null ? fixed : new SecureRandom().nextLong();
  }

  /**
   * Checks {@code property} on {@code tries} inputs from {@code gen}. Each try has its own {@link Random}, derived
   * from the seed and the try's number, so a reported try can be replayed alone.
   *
   * @throws AssertionError the property's failure, with the seed, the try and the input in its message
   */
  public static <T> void forAll(String name, int tries, Gen<T> gen, Consumer<? super T> property) {
    long seed = seed();
    for (int i = 0; i < tries; i++) {
      Random random = new Random(seed * 31 + i);
      T input = gen.apply(random);
      try {
        property.accept(input);
      } catch (AssertionError | RuntimeException e) {
        String message = name + " failed at try " + (i + 1) + " of " + tries + " with seed " + seed + " (replay: -D"
            + SEED_PROPERTY + "=" + seed + "); input: " + describe(input);
        System.err.println(message);
        throw new AssertionError(message + "; " + e.getMessage(), e);
      }
    }
  }

  private static String describe(Object input) {
    String s = input instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)
        : String.valueOf(input);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 600; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return "[" + out + (s.length() > 600 ? "...(" + s.length() + " characters)" : "") + "]";
  }

  // ---------------------------------------------------------------- generators

  public static <T> Gen<T> just(T value) {
    return r -> value;
  }

  @SafeVarargs
  public static <T> Gen<T> oneOf(T... values) {
    List<T> l = List.of(values);
    return r -> l.get(r.nextInt(l.size()));
  }

  /** One of the generators, each chosen with its weight ({@code weight, gen, weight, gen, ...}). */
  @SuppressWarnings("unchecked")
  public static <T> Gen<T> weighted(Object... weightsAndGens) {
    List<Integer> weights = new ArrayList<>();
    List<Gen<T>> gens = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < weightsAndGens.length; i += 2) {
      int w = (Integer) weightsAndGens[i];
      weights.add(w);
      gens.add((Gen<T>) weightsAndGens[i + 1]);
      total += w;
    }
    int sum = total;
    return r -> {
      int pick = r.nextInt(sum);
      for (int i = 0; i < gens.size(); i++) {
        pick -= weights.get(i);
        if (pick < 0) return gens.get(i).apply(r);
      }
      throw new IllegalStateException("unreachable");
    };
  }

  /** 0..maxSize values of {@code element}. */
  public static <T> Gen<List<T>> listOf(Gen<T> element, int maxSize) {
    return r -> {
      int n = r.nextInt(maxSize + 1);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) out.add(element.apply(r));
      return out;
    };
  }

  /** 0..maxLength characters drawn from {@code alphabet}. */
  public static Gen<String> stringOf(String alphabet, int maxLength) {
    return r -> {
      int n = r.nextInt(maxLength + 1);
      StringBuilder b = new StringBuilder(n);
      for (int i = 0; i < n; i++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
      return b.toString();
    };
  }

  /** Printable ASCII, 0..maxLength characters. */
  public static Gen<String> ascii(int maxLength) {
    return r -> {
      int n = r.nextInt(maxLength + 1);
      StringBuilder b = new StringBuilder(n);
      for (int i = 0; i < n; i++) b.append((char) (0x20 + r.nextInt(0x5f)));
      return b.toString();
    };
  }

  /**
   * Any UTF-16 text, 0..maxLength chars: mostly ASCII (controls included), with Latin-1, other BMP characters,
   * lone surrogates, supplementary characters (surrogate pairs) and noncharacters mixed in, as hostile input has.
   */
  public static Gen<String> anyString(int maxLength) {
    return r -> {
      int n = r.nextInt(maxLength + 1);
      StringBuilder b = new StringBuilder(n);
      while (b.length() < n) {
        int kind = r.nextInt(20);
        if (kind < 12) {
          b.append((char) r.nextInt(0x80));
        } else if (kind < 14) {
          b.append((char) (0x80 + r.nextInt(0x80)));
        } else if (kind < 17) {
          b.append((char) (0x100 + r.nextInt(0xD800 - 0x100)));
        } else if (kind == 17) {
          b.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate
        } else if (kind == 18) {
          b.appendCodePoint(0x10000 + r.nextInt(0x100000));
        } else {
          b.append(r.nextBoolean() ? '\uFFFE' : '\uFFFF');
        }
      }
      return b.length() > n ? b.substring(0, n) : b.toString();
    };
  }

  /** minSize..maxSize arbitrary bytes. */
  public static Gen<byte[]> bytes(int minSize, int maxSize) {
    return r -> {
      byte[] b = new byte[minSize + r.nextInt(maxSize - minSize + 1)];
      r.nextBytes(b);
      return b;
    };
  }
}
