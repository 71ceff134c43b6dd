package com.doit.idp.bench;

import java.net.URI;
import java.util.Optional;

/**
 * What a load generator sends, again and again: a GET, or a POST of a form body.
 *
 * @param formBody for a POST, the {@code application/x-www-form-urlencoded} body; empty for a GET
 */
public record Target(URI url, Optional<String> formBody) {
  public static Target get(URI url) {
    return new Target(url, Optional.empty());
  }

  public static Target postForm(URI url, String body) {
    return new Target(url, Optional.of(body));
  }
}
