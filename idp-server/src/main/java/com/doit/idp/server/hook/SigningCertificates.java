package com.doit.idp.server.hook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * SNS signing certificates: where one may be fetched from, fetching it, and deciding whether to believe it
 * (docs/ONBOARDING.md, "How a message is verified"). A {@code SigningCertURL} must be {@code https}, on a host of
 * {@code hooks.sns-cert-hosts} ({@code *} one DNS label; a loopback {@code host:port} there, for tests, may be plain
 * http), with a path ending in {@code .pem} and no query. The file (at most 16 KiB, answered 200 within 5 s, no
 * redirect) holds the signing certificate and possibly its chain; the certificate must chain (PKIX, at the current
 * time) to a CA of {@code hooks.trust-store} or else the JDK's, be named for SNS ({@code sns.amazonaws.com}, or a
 * host of the list), and allow digital signatures. A certificate is fetched once per URL and kept while it is
 * valid (at most 256 URLs). Thread-safe.
 */
final class SigningCertificates {
  static final int MAX_BYTES = 16 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Set<String> SNS_NAMES = Set.of("sns.amazonaws.com", "sns.amazonaws.com.cn");

  private final List<String> hostPatterns;
  private final Set<TrustAnchor> anchors;
  private final HttpClient http;
  private final Clock clock;
  private final Cache<String, X509Certificate> cache = Caffeine.newBuilder().maximumSize(256).build();

  SigningCertificates(List<String> hostPatterns, Set<TrustAnchor> anchors, Clock clock) {
    this.hostPatterns = List.copyOf(hostPatterns);
    this.anchors = Set.copyOf(anchors);
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** The CAs of {@code hooks.trust-store}, or the JDK's default trust store's when it is empty. */
  static Set<TrustAnchor> anchors(Optional<Path> trustStore) {
    Set<TrustAnchor> out = new HashSet<>();
    try {
      if (trustStore.isPresent()) {
        try (InputStream in = Files.newInputStream(trustStore.get())) {
          for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
            out.add(new TrustAnchor((X509Certificate) c, null));
          }
        }
        if (out.isEmpty()) throw new IllegalStateException("hooks.trust-store: no certificate in " + trustStore.get());
        return out;
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init((KeyStore) null);
      for (var tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) out.add(new TrustAnchor(c, null));
        }
      }
      return out;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("hooks.trust-store: cannot read " + trustStore.map(Path::toString).orElse("the JDK's CAs")
          + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /**
   * Checks a {@code SigningCertURL} without fetching it.
   *
   * @throws HookRefusal (forbidden) when it is not one we may fetch
   */
  URI checkUrl(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw HookRefusal.forbidden("SigningCertURL is not a URL");
    }
    if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
        || u.getRawPath() == null || !u.getRawPath().endsWith(".pem")) {
      throw HookRefusal.forbidden("SigningCertURL is not a certificate file on an SNS host");
    }
    if (!allowedHost(u)) throw HookRefusal.forbidden("SigningCertURL is not on an SNS host over https");
    return u;
  }

  /** True when the URL's scheme, host and port match one of {@code hooks.sns-cert-hosts}. */
  boolean allowedHost(URI u) {
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String host = u.getHost().toLowerCase(Locale.ROOT);
    for (String p : hostPatterns) {
      int colon = p.lastIndexOf(':');
      if (colon > 0) {
        // A loopback host:port names a local stand-in (tests): that exact address, http or https.
        if ((scheme.equals("http") || scheme.equals("https")) && p.equals(host + ":" + u.getPort())) return true;
      } else if (scheme.equals("https") && (u.getPort() == -1 || u.getPort() == 443) && labelsMatch(p, host)) {
        return true;
      }
    }
    return false;
  }

  private static boolean labelsMatch(String pattern, String host) {
    String[] p = pattern.split("\\.", -1);
    String[] h = host.split("\\.", -1);
    if (p.length != h.length) return false;
    for (int i = 0; i < p.length; i++) {
      if (p[i].equals("*") ? !h[i].matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?") : !p[i].equals(h[i])) return false;
    }
    return true;
  }

  /**
   * The signing certificate at {@code url} (checked with {@link #checkUrl} first), believed.
   *
   * @throws HookRefusal (forbidden) when it is not there or not to be believed
   * @throws HookUnavailable when it could not be fetched
   */
  X509Certificate certificate(String url) {
    URI u = checkUrl(url);
    X509Certificate cached = cache.getIfPresent(url);
    if (cached != null && validNow(cached)) return cached;
    X509Certificate fetched = believe(fetch(u));
    cache.put(url, fetched);
    return fetched;
  }

  private boolean validNow(X509Certificate c) {
    try {
      c.checkValidity(Date.from(clock.instant()));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private byte[] fetch(URI u) {
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(u).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new HookUnavailable("the SNS signing certificate could not be fetched from " + u.getHost());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HookUnavailable("interrupted while fetching the SNS signing certificate");
    }
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) throw HookRefusal.forbidden("SigningCertURL answered " + r.statusCode());
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) throw HookRefusal.forbidden("the signing certificate file is too large");
      return bytes;
    } catch (IOException e) {
      throw new HookUnavailable("the SNS signing certificate could not be read from " + u.getHost());
    }
  }

  /** The first certificate of the file, if its chain (the file's other certificates as intermediates) is trusted. */
  private X509Certificate believe(byte[] pem) {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      Collection<? extends Certificate> parsed = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem));
      for (Certificate c : parsed) certs.add((X509Certificate) c);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw HookRefusal.forbidden("the signing certificate cannot be read");
    }
    if (certs.isEmpty()) throw HookRefusal.forbidden("the signing certificate cannot be read");
    X509Certificate leaf = certs.get(0);
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
      params.setRevocationEnabled(false); // no CRL or OCSP fetch on the request path; SNS rotates its certificates
      params.setDate(Date.from(clock.instant()));
      params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(certs)));
      CertPathBuilder.getInstance("PKIX").build(params);
    } catch (GeneralSecurityException e) {
      throw HookRefusal.forbidden("the signing certificate does not chain to a trusted CA");
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage != null && !usage[0]) throw HookRefusal.forbidden("the signing certificate may not sign");
    if (!namedForSns(leaf)) throw HookRefusal.forbidden("the signing certificate is not issued to SNS");
    if (!"RSA".equals(leaf.getPublicKey().getAlgorithm())) throw HookRefusal.forbidden("the signing certificate's key is not RSA");
    return leaf;
  }

  private boolean namedForSns(X509Certificate c) {
    List<String> names = new ArrayList<>();
    try {
      if (c.getSubjectAlternativeNames() != null) {
        for (List<?> san : c.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
        }
      }
    } catch (GeneralSecurityException e) {
      return false;
    }
    String dn = c.getSubjectX500Principal().getName();
    for (String rdn : dn.split(",")) {
      if (rdn.startsWith("CN=")) names.add(rdn.substring(3).toLowerCase(Locale.ROOT));
    }
    for (String n : names) {
      if (SNS_NAMES.contains(n)) return true;
      for (String p : hostPatterns) if (!p.contains(":") && labelsMatch(p, n)) return true;
    }
    return false;
  }
}
