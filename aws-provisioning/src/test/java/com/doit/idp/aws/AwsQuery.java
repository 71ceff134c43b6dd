package com.doit.idp.aws;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One AWS query-protocol request as the fake reads it ({@code Action=...&Version=...&Name.member.1=...}), and the
 * XML it answers. Parsing is strict: a repeated or undecodable parameter is an error, as on AWS.
 */
final class AwsQuery {
  final Map<String, String> params;

  private AwsQuery(Map<String, String> params) {
    this.params = params;
  }

  static AwsQuery parse(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!body.isEmpty()) {
      for (String pair : body.split("&", -1)) {
        int eq = pair.indexOf('=');
        if (eq <= 0) throw new AwsError("MalformedQueryString", "malformed parameter: " + pair);
        String k;
        String v;
        try {
          k = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
          v = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new AwsError("MalformedQueryString", "undecodable parameter");
        }
        if (out.put(k, v) != null) throw new AwsError("MalformedQueryString", "repeated parameter " + k);
      }
    }
    return new AwsQuery(out);
  }

  String action() {
    return params.getOrDefault("Action", "");
  }

  /** A required parameter, or {@code ValidationError} as IAM answers a missing member. */
  String required(String name) {
    String v = params.get(name);
    if (v == null) {
      throw new AwsError("ValidationError", "1 validation error detected: Value null at '"
          + Character.toLowerCase(name.charAt(0)) + name.substring(1) + "' failed to satisfy constraint: Member must not be null");
    }
    return v;
  }

  String optional(String name) {
    return params.get(name);
  }

  /** {@code Name.member.1 .. Name.member.N}, in order; a gap in the numbers is an error. */
  List<String> list(String name) {
    TreeMap<Integer, String> found = new TreeMap<>();
    String prefix = name + ".member.";
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (!e.getKey().startsWith(prefix)) continue;
      try {
        found.put(Integer.parseInt(e.getKey().substring(prefix.length())), e.getValue());
      } catch (NumberFormatException x) {
        throw new AwsError("MalformedQueryString", "bad list index in " + e.getKey());
      }
    }
    List<String> out = new ArrayList<>(found.values());
    for (int i = 1; i <= out.size(); i++) {
      if (!found.containsKey(i)) throw new AwsError("MalformedQueryString", "gap in list " + name);
    }
    return out;
  }

  boolean hasPrefix(String prefix) {
    return params.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  /** Refuses parameters the action does not define (lists given by their base name). */
  void only(Set<String> allowed) {
    for (String k : params.keySet()) {
      if (k.equals("Action") || k.equals("Version")) continue;
      String base = k.contains(".") ? k.substring(0, k.indexOf('.')) : k;
      if (!allowed.contains(base)) {
        throw new AwsError("InvalidInput", "parameter " + k + " is not defined for " + action());
      }
    }
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** {@code <name>value</name>}, escaped. */
  static String el(String name, Object value) {
    return "<" + name + ">" + esc(String.valueOf(value)) + "</" + name + ">";
  }

  /** {@code <name><member>..</member>..</name>} of already-written members. */
  static String members(String name, List<String> memberXml) {
    StringBuilder b = new StringBuilder("<").append(name).append('>');
    for (String m : memberXml) b.append("<member>").append(m).append("</member>");
    return b.append("</").append(name).append('>').toString();
  }

  static String escapedMembers(String name, List<String> values) {
    return members(name, values.stream().map(AwsQuery::esc).toList());
  }
}
