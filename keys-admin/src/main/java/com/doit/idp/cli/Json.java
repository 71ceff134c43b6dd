package com.doit.idp.cli;

import com.nimbusds.jose.util.JSONStringUtils;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/** Writes JSON values (maps, collections, strings, numbers, booleans, null) indented by two spaces, for people. */
final class Json {
  private Json() {}

  static String pretty(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, "");
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, String indent) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      sb.append(JSONStringUtils.toJSONString(s));
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      String inner = indent + "  ";
      sb.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        sb.append(inner).append(JSONStringUtils.toJSONString(String.valueOf(e.getKey()))).append(": ");
        write(sb, e.getValue(), inner);
        sb.append(it.hasNext() ? ",\n" : "\n");
      }
      sb.append(indent).append('}');
    } else if (v instanceof Collection<?> c) {
      if (c.isEmpty()) {
        sb.append("[]");
        return;
      }
      String inner = indent + "  ";
      sb.append("[\n");
      Iterator<?> it = c.iterator();
      while (it.hasNext()) {
        sb.append(inner);
        write(sb, it.next(), inner);
        sb.append(it.hasNext() ? ",\n" : "\n");
      }
      sb.append(indent).append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getSimpleName());
    }
  }
}
