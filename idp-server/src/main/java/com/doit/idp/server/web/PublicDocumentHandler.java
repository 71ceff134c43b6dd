package com.doit.idp.server.web;

import com.doit.idp.server.jwks.PublicDocuments;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET|HEAD /<account>/<engineer>/.well-known/openid-configuration} and {@code .../jwks.json}: parse the
 * path, ask {@link PublicDocuments}, write the bytes with {@code Cache-Control: public, max-age=N}, a strong ETag,
 * and {@code 304} on a matching {@code If-None-Match}. Unknown roles get the shared 404 (with {@code no-store},
 * from {@link ErrorMapping}). Thread-safe.
 */
public final class PublicDocumentHandler implements HttpHandler {
  private final PublicDocuments documents;
  private final PublicDocuments.Kind kind;
  private final String cacheControl;

  public PublicDocumentHandler(PublicDocuments documents, PublicDocuments.Kind kind, Duration maxAge) {
    if (maxAge.getSeconds() < 1) throw new IllegalArgumentException("max-age must be at least 1s");
    this.documents = documents;
    this.kind = kind;
    // STS fetches too often when max-age is 0 and AWS asks for no no-cache / Pragma (aws-sts-rules.md section 2).
    this.cacheControl = "public, max-age=" + maxAge.getSeconds();
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    List<String> g = Router.pathGroups(exchange);
    Optional<PublicDocuments.Document> doc = documents.find(g.get(0), g.get(1), kind);
    if (doc.isEmpty()) throw Router.notFound();
    PublicDocuments.Document d = doc.get();
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, cacheControl);
    exchange.getResponseHeaders().put(Headers.ETAG, d.etag());
    if (matches(exchange.getRequestHeaders().get(Headers.IF_NONE_MATCH), d.etag())) {
      exchange.setStatusCode(304);
      exchange.endExchange();
      return;
    }
    Json.send(exchange, 200, d.body());
  }

  /**
   * RFC 9110 section 13.1.2: {@code If-None-Match} uses the weak comparison, so {@code W/"x"} matches {@code "x"};
   * {@code *} matches any current representation.
   */
  static boolean matches(Iterable<String> ifNoneMatch, String etag) {
    if (ifNoneMatch == null) return false;
    for (String header : ifNoneMatch) {
      for (String tag : header.split(",")) {
        String t = tag.trim();
        if (t.equals("*")) return true;
        if (t.startsWith("W/")) t = t.substring(2);
        if (t.equals(etag)) return true;
      }
    }
    return false;
  }
}
