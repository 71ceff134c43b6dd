package com.doit.idp.aws;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Compares IAM policy documents by meaning, as IAM returns them: URL-encoded (RFC 3986) JSON in which a list of
 * one element and the element alone mean the same, and the order of a list does not matter. Stateless.
 */
final class PolicyDocuments {
  private PolicyDocuments() {}

  /** The document IAM returned, decoded and parsed; empty when it is not a JSON object. */
  static Optional<Map<String, Object>> parse(String fromIam) {
    if (fromIam == null) return Optional.empty();
    String json = fromIam.trim().startsWith("{") ? fromIam : URLDecoder.decode(fromIam, StandardCharsets.UTF_8);
    try {
      return Optional.of(JSONObjectUtils.parse(json));
    } catch (ParseException e) {
      return Optional.empty();
    }
  }

  /** True when {@code fromIam} means exactly {@code ours}. */
  static boolean sameMeaning(String fromIam, Map<String, Object> ours) {
    return parse(fromIam).map(d -> normalize(d).equals(normalize(ours))).orElse(false);
  }

  private static Object normalize(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
      return out;
    }
    if (o instanceof List<?> l) {
      if (l.size() == 1) return normalize(l.get(0));
      List<Object> out = new ArrayList<>();
      for (Object e : l) out.add(normalize(e));
      out.sort(Comparator.comparing(String::valueOf));
      return out;
    }
    return o == null ? null : String.valueOf(o);
  }
}
