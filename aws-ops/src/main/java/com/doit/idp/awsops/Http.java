package com.doit.idp.awsops;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The client's HTTP calls to the SSO and the token service: no redirects followed (a token is never sent where the
 * engineer did not configure), bounded time and answer size, and a failure told as one line naming the party and
 * the URL without its query. Thread-safe.
 */
final class Http {
  static final int MAX_ANSWER = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** An answer: its status, body and, when asked for, the body as JSON. */
  record Answer(int status, String body, String party, URI url) {
    boolean ok() {
      return status == 200;
    }

    /** The body as a JSON object, or a one-line failure naming the party. */
    Map<String, Object> json() {
      try {
        return JSONObjectUtils.parse(body);
      } catch (ParseException e) {
        throw new AwsOpsException(party + " at " + where(url) + " answered " + status + " with something other than "
            + "a JSON object: check the URL in your settings");
      }
    }

    /** A string member, or null. */
    String string(String name) {
      Object v = json().get(name);
      return v instanceof String s ? s : null;
    }
  }

  Answer get(String party, URI url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json").GET();
    if (headers.length > 0) b.headers(headers);
    return send(party, url, b.build());
  }

  Answer postForm(String party, URI url, Map<String, String> form) {
    String body = form.entrySet().stream()
        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
    return send(party, url, HttpRequest.newBuilder(url).timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private Answer send(String party, URI url, HttpRequest request) {
    try {
      HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(MAX_ANSWER + 1);
      }
      if (body.length > MAX_ANSWER) {
        throw new AwsOpsException(party + " at " + where(url) + " answered more than " + MAX_ANSWER + " bytes");
      }
      return new Answer(r.statusCode(), new String(body, StandardCharsets.UTF_8), party, url);
    } catch (IOException e) {
      throw new AwsOpsException("cannot reach " + party + " at " + where(url) + " (" + e.getClass().getSimpleName()
          + "): check the URL in your settings and your network or VPN");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AwsOpsException("interrupted while waiting for " + party);
    }
  }

  /** The URL without query or fragment: what an error line may show. */
  static String where(URI url) {
    return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** {@code {"error", "error_description"}} of an OAuth error answer, as one safe line ("error: description"). */
  static String oauthError(Answer a) {
    Map<String, Object> m;
    try {
      m = JSONObjectUtils.parse(a.body());
    } catch (ParseException e) {
      return "HTTP " + a.status();
    }
    Object error = m.get("error");
    Object description = m.get("error_description");
    String s = error instanceof String e ? e : "HTTP " + a.status();
    if (description instanceof String d && !d.isBlank()) s += ": " + d;
    return AwsOpsException.oneLine(s);
  }
}
