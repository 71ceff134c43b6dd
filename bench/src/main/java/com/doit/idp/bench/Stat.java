package com.doit.idp.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Median, min and max of the rounds of one measurement. The median, not the mean: one round disturbed by another
 * process on a shared 2-vCPU machine should not move the figure. Immutable.
 */
public record Stat(double median, double min, double max, int rounds) {

  /** Throws {@link IllegalArgumentException} for no values. */
  public static Stat of(List<Double> values) {
    if (values.isEmpty()) throw new IllegalArgumentException("no rounds");
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    int n = v.size();
    double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    return new Stat(median, v.get(0), v.get(n - 1), n);
  }

  /** The median divided by another figure's median (0 when that one is 0). */
  public double ratioTo(Stat other) {
    return other.median == 0 ? 0 : median / other.median;
  }
}
