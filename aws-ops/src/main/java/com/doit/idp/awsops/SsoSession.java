package com.doit.idp.awsops;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engineer's SSO sign-in as cached in {@code sso.json}: the ID token the token service accepts, the refresh token
 * when the SSO gave one, and where to refresh it. A sign-in belongs to one SSO issuer and client id: after a change
 * of settings it is not used. Immutable.
 *
 * @param refreshToken null when the SSO gave none
 * @param email for messages; may be null
 */
record SsoSession(URI issuer, String clientId, URI tokenEndpoint, String idToken, String refreshToken,
    Instant expiresAt, String email) {

  static final String FILE = "sso.json";
  /** An ID token is used until this long before it expires (docs/ENGINEERS.md "Caches"). */
  static final long RENEW_BEFORE_SECONDS = 60;

  boolean usableAt(Instant now) {
    return now.isBefore(expiresAt.minusSeconds(RENEW_BEFORE_SECONDS));
  }

  boolean belongsTo(Settings s) {
    return issuer.equals(s.ssoIssuer()) && clientId.equals(s.ssoClientId());
  }

  /**
   * A session from a token answer of the SSO. The ID token is read, not verified: it came straight from the SSO's
   * token endpoint over the connection we opened (OpenID Connect Core 3.1.3.7), and the token service verifies it on
   * every use. Its issuer, audience and nonce are checked so a mixed-up answer is refused here.
   *
   * @param nonce the nonce sent with the authorization request, or null on a refresh
   * @param previousRefresh kept when a refresh answer carries no new refresh token
   */
  static SsoSession fromTokenAnswer(Map<String, Object> answer, URI issuer, String clientId, URI tokenEndpoint,
      String nonce, String previousRefresh) {
    Object idToken = answer.get("id_token");
    if (!(idToken instanceof String jwt)) {
      throw new AwsOpsException("the SSO answered without an ID token: check that sso.scopes includes openid");
    }
    JWTClaimsSet claims;
    try {
      claims = SignedJWT.parse(jwt).getJWTClaimsSet();
    } catch (ParseException | ClassCastException e) {
      throw new AwsOpsException("the SSO's ID token is not a signed JWT");
    }
    if (!issuer.toString().equals(claims.getIssuer()) && !(issuer + "/").equals(claims.getIssuer())) {
      throw new AwsOpsException("the SSO's ID token names another issuer (" + AwsOpsException.oneLine(claims.getIssuer())
          + "): check sso.issuer");
    }
    if (claims.getAudience() == null || !claims.getAudience().contains(clientId)) {
      throw new AwsOpsException("the SSO's ID token is not for client " + clientId + ": check sso.client-id");
    }
    if (nonce != null) {
      Object n = claims.getClaim("nonce");
      if (!nonce.equals(n)) throw new AwsOpsException("the SSO's ID token does not carry this sign-in's nonce: sign in again");
    }
    if (claims.getExpirationTime() == null) throw new AwsOpsException("the SSO's ID token has no expiry");
    Object refresh = answer.get("refresh_token");
    Object email = claims.getClaim("email");
    return new SsoSession(issuer, clientId, tokenEndpoint, jwt,
        refresh instanceof String r && !r.isEmpty() ? r : previousRefresh,
        claims.getExpirationTime().toInstant(), email instanceof String e ? e : null);
  }

  byte[] toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("issuer", issuer.toString());
    m.put("client_id", clientId);
    m.put("token_endpoint", tokenEndpoint.toString());
    m.put("id_token", idToken);
    if (refreshToken != null) m.put("refresh_token", refreshToken);
    m.put("expires_at", expiresAt.getEpochSecond());
    if (email != null) m.put("email", email);
    return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
  }

  /** The cached session, or null when the file is damaged (it is then as good as absent). */
  static SsoSession fromJson(byte[] file) {
    try {
      Map<String, Object> m = JSONObjectUtils.parse(new String(file, StandardCharsets.UTF_8));
      Object refresh = m.get("refresh_token");
      Object email = m.get("email");
      return new SsoSession(URI.create((String) m.get("issuer")), (String) m.get("client_id"),
          URI.create((String) m.get("token_endpoint")), java.util.Objects.requireNonNull((String) m.get("id_token")),
          refresh instanceof String r ? r : null, Instant.ofEpochSecond(((Number) m.get("expires_at")).longValue()),
          email instanceof String e ? e : null);
    } catch (ParseException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    // never the tokens
    return "SsoSession[" + issuer + ", " + clientId + ", " + email + ", expires " + expiresAt + "]";
  }
}
