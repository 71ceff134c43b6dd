package com.doit.idp.bench;

import java.util.List;
import java.util.Locale;

/** Markdown and number formatting for the report. Stateless. */
final class Md {
  private Md() {}

  /** A table whose columns after the first hold figures (right-aligned). */
  static String table(List<String> header, List<List<String>> rows) {
    return table(header, rows, true);
  }

  /** A table of text (left-aligned). */
  static String textTable(List<String> header, List<List<String>> rows) {
    return table(header, rows, false);
  }

  private static String table(List<String> header, List<List<String>> rows, boolean figures) {
    StringBuilder s = new StringBuilder();
    s.append("| ").append(String.join(" | ", header)).append(" |\n|");
    for (int i = 0; i < header.size(); i++) s.append(i == 0 || !figures ? "---|" : "---:|");
    s.append('\n');
    for (List<String> r : rows) s.append("| ").append(String.join(" | ", r)).append(" |\n");
    return s.toString();
  }

  /** Requests or operations per second: whole numbers with thousands separators below 100, one decimal. */
  static String rate(double v) {
    return v < 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%,.0f", v);
  }

  static String ms(double v) {
    return v < 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  static String pct(double ratio) {
    return String.format(Locale.ROOT, "%.0f %%", ratio * 100);
  }

  static String num(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** median (min-max) of rates. */
  static String rates(Stat s) {
    return rate(s.median()) + " (" + rate(s.min()) + "-" + rate(s.max()) + ")";
  }

  /** median (min-max) of milliseconds. */
  static String mss(Stat s) {
    return ms(s.median()) + " (" + ms(s.min()) + "-" + ms(s.max()) + ")";
  }

  static String code(String s) {
    return "`" + s.replace("`", "'") + "`";
  }
}
