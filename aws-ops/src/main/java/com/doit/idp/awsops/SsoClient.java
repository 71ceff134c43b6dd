package com.doit.idp.awsops;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The company SSO as a public OpenID Connect client sees it: discovery, the authorization request with PKCE (RFC
 * 7636, S256), the code exchange and the refresh. No client secret unless the settings carry one (Google's desktop
 * clients). Thread-safe.
 */
final class SsoClient {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PARTY = "the SSO";

  private final Settings settings;
  private final Http http;

  SsoClient(Settings settings, Http http) {
    this.settings = settings;
    this.http = http;
  }

  /** The two endpoints of the SSO's discovery document. */
  record Endpoints(URI authorization, URI token) {}

  Endpoints discover() {
    URI issuer = settings.ssoIssuer();
    Http.Answer a = http.get(PARTY, URI.create(issuer + "/.well-known/openid-configuration"));
    if (!a.ok()) {
      throw new AwsOpsException("the SSO's discovery document at " + Http.where(a.url()) + " answered " + a.status()
          + ": check sso.issuer");
    }
    String named = a.string("issuer");
    if (named == null || !(named.equals(issuer.toString()) || named.equals(issuer + "/"))) {
      throw new AwsOpsException("the SSO's discovery document names issuer " + AwsOpsException.oneLine(named)
          + ", not " + issuer + ": check sso.issuer");
    }
    return new Endpoints(endpoint(a, "authorization_endpoint"), endpoint(a, "token_endpoint"));
  }

  private static URI endpoint(Http.Answer a, String name) {
    String v = a.string(name);
    if (v == null) throw new AwsOpsException("the SSO's discovery document has no " + name);
    try {
      return Settings.url(v);
    } catch (IllegalArgumentException e) {
      throw new AwsOpsException("the SSO's " + name + " " + e.getMessage());
    }
  }

  /** One authorization request's secrets: they stay in this process (the verifier never leaves it but to the SSO). */
  record Pkce(String verifier, String challenge, String state, String nonce) {
    static Pkce create() {
      String verifier = random(32);
      try {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(hash), random(16), random(16));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String toString() {
      return "Pkce[...]";
    }
  }

  static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The URL the browser opens: authorization code flow with PKCE S256, state and nonce. */
  URI authorizationUrl(Endpoints endpoints, URI redirect, Pkce pkce) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", settings.ssoClientId());
    q.put("redirect_uri", redirect.toString());
    q.put("scope", String.join(" ", settings.ssoScopes()));
    q.put("state", pkce.state());
    q.put("nonce", pkce.nonce());
    q.put("code_challenge", pkce.challenge());
    q.put("code_challenge_method", "S256");
    StringBuilder b = new StringBuilder(endpoints.authorization().toString());
    char sep = '?';
    for (Map.Entry<String, String> e : q.entrySet()) {
      b.append(sep).append(Http.enc(e.getKey())).append('=').append(Http.enc(e.getValue()));
      sep = '&';
    }
    return URI.create(b.toString());
  }

  /** Exchanges the authorization code (with the PKCE verifier) for the session. */
  SsoSession exchangeCode(Endpoints endpoints, String code, URI redirect, Pkce pkce) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", redirect.toString());
    form.put("code_verifier", pkce.verifier());
    Http.Answer a = tokenRequest(endpoints.token(), form);
    if (!a.ok()) {
      throw new AwsOpsException("the SSO refused the sign-in (" + Http.oauthError(a) + "): check sso.client-id, and "
          + "that the SSO allows this client the authorization code flow with PKCE and loopback redirects");
    }
    return SsoSession.fromTokenAnswer(a.json(), settings.ssoIssuer(), settings.ssoClientId(), endpoints.token(),
        pkce.nonce(), null);
  }

  /**
   * A new ID token from the refresh token, or null when the SSO refuses it (expired, revoked: the engineer must
   * sign in again).
   */
  SsoSession refresh(SsoSession session) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "refresh_token");
    form.put("refresh_token", session.refreshToken());
    form.put("scope", String.join(" ", settings.ssoScopes()));
    Http.Answer a = tokenRequest(session.tokenEndpoint(), form);
    if (a.status() == 400 || a.status() == 401) return null;
    if (!a.ok()) throw new AwsOpsException("the SSO could not renew the sign-in (" + Http.oauthError(a) + "): try again");
    return SsoSession.fromTokenAnswer(a.json(), session.issuer(), session.clientId(), session.tokenEndpoint(), null,
        session.refreshToken());
  }

  private Http.Answer tokenRequest(URI tokenEndpoint, Map<String, String> form) {
    form.put("client_id", settings.ssoClientId());
    settings.ssoClientSecret().ifPresent(s -> form.put("client_secret", s));
    return http.postForm(PARTY, tokenEndpoint, form);
  }
}
