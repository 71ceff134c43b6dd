package com.doit.idp.server.sso;

import com.doit.idp.config.Loopback;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.Resource;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSO issuer's signing keys: its discovery document ({@code <issuer>/.well-known/openid-configuration}, whose
 * {@code issuer} must equal the configured one exactly), then its {@code jwks_uri}, through nimbus's
 * {@link JWKSourceBuilder}: cached, refetched on an unknown {@code kid} at most twice per rate-limit interval,
 * stale keys kept through an outage of the issuer. Every fetch has bounded timeouts and size, and follows no
 * redirect. Only this configured issuer is ever fetched: key URLs in token headers are never looked at.
 *
 * <p>Thread-safe. Methods throw {@link SsoException} with {@code sso_unavailable} when the issuer cannot be read.
 */
final class SsoKeys {
  private static final Logger log = LoggerFactory.getLogger(SsoKeys.class);

  /** Timeouts, size limit and cache times of the fetches. */
  record Fetching(
      Duration connectTimeout, Duration readTimeout, int maxBytes, Duration cacheTtl, Duration refetchInterval,
      Duration outageTolerance, Duration discoveryRetry) {
    /** A token request waits on this, so a slow issuer fails within seconds; a JWKS is a few kB. */
    static final Fetching DEFAULT = new Fetching(Duration.ofSeconds(3), Duration.ofSeconds(5), 256 * 1024,
        Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(10));
  }

  private final URI issuer;
  private final Fetching fetching;
  private final DefaultResourceRetriever retriever;
  private volatile JWKSource<SecurityContext> source;
  private volatile long lastDiscoveryAttemptNanos;
  private volatile boolean discoveryAttempted;
  /** True once the JWKS was read: from then on the cache (outage-tolerant) always holds keys. */
  private volatile boolean loaded;

  SsoKeys(URI issuer, Fetching fetching) {
    this.issuer = issuer;
    this.fetching = fetching;
    this.retriever = new NoRedirectRetriever(
        (int) fetching.connectTimeout().toMillis(), (int) fetching.readTimeout().toMillis(), fetching.maxBytes());
  }

  /** The keys that match a token header's {@code kid}, algorithm and key type; empty when none does. */
  List<JWK> select(JWKMatcher matcher) {
    JWKSource<SecurityContext> s = discovered();
    try {
      List<JWK> found = s.get(new JWKSelector(matcher), null);
      loaded = true;
      return found;
    } catch (RateLimitReachedException e) {
      // with keys in hand: an unknown kid refetched the JWKS too often, the kid is unknown and the issuer is fine;
      // without: the issuer has not answered yet, and that is no fault of the caller's
      if (loaded) return List.of();
      throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer's keys cannot be fetched now");
    } catch (KeySourceException e) {
      log.warn("sso-jwks-unavailable: {}", e.getClass().getSimpleName());
      throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer's keys cannot be fetched now");
    }
  }

  /** Fetches the discovery document (if not yet done) and the JWKS; true when at least one key was loaded. */
  boolean load() {
    return !select(new JWKMatcher.Builder().build()).isEmpty();
  }

  private JWKSource<SecurityContext> discovered() {
    JWKSource<SecurityContext> s = source;
    if (s != null) return s;
    synchronized (this) {
      if (source != null) return source;
      long now = System.nanoTime();
      // a down issuer is asked again at most every discoveryRetry, whatever the request rate
      if (discoveryAttempted && now - lastDiscoveryAttemptNanos < fetching.discoveryRetry().toNanos()) {
        throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer cannot be reached now");
      }
      discoveryAttempted = true;
      lastDiscoveryAttemptNanos = now;
      URL jwksUri = discover();
      source = JWKSourceBuilder.<SecurityContext>create(jwksUri, retriever)
          .cache(fetching.cacheTtl().toMillis(), fetching.readTimeout().plus(fetching.connectTimeout()).toMillis())
          .rateLimited(fetching.refetchInterval().toMillis())
          .refreshAheadCache(false)
          .retrying(false)
          .outageTolerant(fetching.outageTolerance().toMillis())
          .build();
      return source;
    }
  }

  private URL discover() {
    String base = issuer.toString();
    String url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/.well-known/openid-configuration";
    Map<String, Object> doc;
    try {
      Resource r = retriever.retrieveResource(new URL(url));
      doc = JSONObjectUtils.parse(r.getContent());
    } catch (IOException | ParseException e) {
      log.warn("sso-discovery-failed: {} {}", url, e.getClass().getSimpleName());
      throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer cannot be reached now");
    }
    // OpenID Connect Discovery 1.0 section 4.3: the document's issuer is exactly the one we asked
    if (!base.equals(doc.get("issuer"))) {
      log.error("sso-discovery-wrong-issuer: the document at {} names another issuer", url);
      throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer is misconfigured");
    }
    URL jwksUri = jwksUri(doc.get("jwks_uri"));
    if (jwksUri == null) {
      log.error("sso-discovery-bad-jwks-uri: {} has no https jwks_uri", url);
      throw new SsoException(SsoException.Reason.SSO_UNAVAILABLE, "the SSO issuer is misconfigured");
    }
    return jwksUri;
  }

  /**
   * The discovery document's {@code jwks_uri} if it is {@code https://}, or {@code http://} on a loopback address
   * (as {@code sso.issuer} may be: the development issuer); else null.
   */
  static URL jwksUri(Object value) {
    try {
      URI u = value instanceof String s ? new URI(s) : null;
      if (u == null || u.getHost() == null || u.getScheme() == null) return null;
      if (!(u.getScheme().equals("https") || (u.getScheme().equals("http") && Loopback.isLoopbackHost(u.getHost())))) return null;
      return u.toURL();
    } catch (Exception e) {
      return null;
    }
  }

  /** Nimbus's retriever, bounded, and refusing redirects: the issuer serves its documents itself. */
  private static final class NoRedirectRetriever extends DefaultResourceRetriever {
    NoRedirectRetriever(int connectMs, int readMs, int maxBytes) {
      super(connectMs, readMs, maxBytes);
    }

    @Override
    protected HttpURLConnection openHTTPConnection(URL url) throws IOException {
      HttpURLConnection c = super.openHTTPConnection(url);
      c.setInstanceFollowRedirects(false);
      return c;
    }
  }
}
