package com.doit.idp.server.dev;

import com.doit.idp.server.ClientError;
import com.doit.idp.server.web.HandlerChains;
import com.doit.idp.server.web.Json;
import com.doit.idp.server.web.Router;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import com.doit.idp.server.web.Draining;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A development SSO issuer for {@code --dev} only: on 127.0.0.1, it publishes a discovery document and a JWKS for
 * an RSA key held in memory, and {@code GET /id-token?email=...} answers a freshly signed RS256 ID token as plain
 * text (issuer {@code http://127.0.0.1:<port>}, audience {@code aws-ops-idp-dev}, {@code email_verified: true},
 * valid one hour). Anyone who can reach it gets a token for any email: it must never run outside development,
 * which is why it binds the loopback address only and {@code Main} starts it only under {@code --dev}.
 *
 * <p>Thread-safe. {@link #close} stops it.
 */
public final class DevSsoIssuer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevSsoIssuer.class);
  public static final String AUDIENCE = "aws-ops-idp-dev";
  public static final int DEFAULT_PORT = 8082;
  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}");
  private static final Duration LIFETIME = Duration.ofHours(1);

  private final Undertow undertow;
  private final Draining draining;
  private final URI issuer;

  private DevSsoIssuer(Undertow undertow, Draining draining, URI issuer) {
    this.undertow = undertow;
    this.draining = draining;
    this.issuer = issuer;
  }

  /** Starts on 127.0.0.1:{@code port}, or on a free port if that one is taken (or {@code port} is 0). */
  public static DevSsoIssuer start(int port, Clock clock) {
    RSAKey key;
    try {
      key = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
          .keyIDFromThumbprint(true).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the development SSO key", e);
    }
    State state = new State(key, clock);
    HttpHandler routes = Router.builder()
        .route("/\\.well-known/openid-configuration", ex -> Json.send(ex, 200, state.discovery()), "GET", "HEAD")
        .route("/jwks\\.json", ex -> Json.send(ex, 200, state.jwks()), "GET", "HEAD")
        .route("/id-token", ex -> {
          Deque<String> email = ex.getQueryParameters().get("email");
          byte[] token = state.idToken(email == null || email.size() != 1 ? null : email.getFirst())
              .getBytes(StandardCharsets.US_ASCII);
          ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=us-ascii");
          Json.noStore(ex);
          ex.getResponseSender().send(ByteBuffer.wrap(token));
        }, "GET")
        .build();
    HandlerChains.Chain chain = HandlerChains.chain("dev-sso", new SimpleMeterRegistry(), java.util.List.of(), routes);
    Undertow u;
    try {
      u = build(port, chain.root());
      u.start();
    } catch (RuntimeException e) {
      if (port == 0) throw e;
      log.info("dev-sso port {} is taken; using a free port", port);
      u = build(0, chain.root());
      u.start();
    }
    InetSocketAddress a = (InetSocketAddress) u.getListenerInfo().get(0).getAddress();
    URI issuer = URI.create("http://127.0.0.1:" + a.getPort());
    state.issuer = issuer.toString();
    log.info("listening name=dev-sso address=127.0.0.1:{}", a.getPort());
    return new DevSsoIssuer(u, chain.draining(), issuer);
  }

  private static Undertow build(int port, HttpHandler chain) {
    return Undertow.builder().addHttpListener(port, "127.0.0.1", chain).setIoThreads(1).setWorkerThreads(2).build();
  }

  /** {@code http://127.0.0.1:<port>}: the value for {@code sso.issuer}. */
  public URI issuer() {
    return issuer;
  }

  @Override
  public void close() {
    draining.shutdown();
    undertow.stop();
  }

  private static final class State {
    private final RSAKey key;
    private final Clock clock;
    private volatile String issuer;

    State(RSAKey key, Clock clock) {
      this.key = key;
      this.clock = clock;
    }

    Map<String, Object> discovery() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("issuer", issuer);
      d.put("jwks_uri", issuer + "/jwks.json");
      d.put("response_types_supported", List.of("id_token"));
      d.put("subject_types_supported", List.of("public"));
      d.put("id_token_signing_alg_values_supported", List.of("RS256"));
      return d;
    }

    Map<String, Object> jwks() {
      return new JWKSet(key.toPublicJWK()).toJSONObject(true);
    }

    String idToken(String email) {
      if (email == null || !EMAIL.matcher(email).matches()) {
        throw new ClientError(400, "invalid_request", "give exactly one email=<address>");
      }
      Instant now = clock.instant();
      JWTClaimsSet claims = new JWTClaimsSet.Builder()
          .issuer(issuer).subject(email).audience(AUDIENCE)
          .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(LIFETIME)))
          .jwtID(UUID.randomUUID().toString())
          .claim("email", email).claim("email_verified", true)
          .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
          .type(JOSEObjectType.JWT).build(), claims);
      try {
        jwt.sign(new RSASSASigner(key));
      } catch (JOSEException e) {
        throw new IllegalStateException("cannot sign the development ID token", e);
      }
      return jwt.serialize();
    }
  }
}
