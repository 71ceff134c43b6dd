package com.doit.idp.awsops;

import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The token service (aws-ops-idp's token listener, {@code idp.token-url}): {@code GET /roles} and
 * {@code POST /token} (RFC 8693) with the SSO ID token. Its refusals become one line each; a refused SSO token is
 * {@link SsoRefused} so the caller can renew the sign-in once. Thread-safe.
 */
final class IdpClient {
  static final String PARTY = "the token service";
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");

  /** One role the engineer can reach now. */
  record Role(String account, String roleArn, String issuer, Instant expiresAt) {
    /** The engineer id: the last segment of the role's issuer ({@code <base>/<account>/<engineer>}). */
    String engineer() {
      return issuer.substring(issuer.lastIndexOf('/') + 1);
    }
  }

  /** A web-identity token for STS, and its subject (the engineer id, the session name). */
  record WebIdentity(String token, String subject) {
    @Override
    public String toString() {
      return "WebIdentity[" + subject + "]";
    }
  }

  /** The token service refused the SSO token (401 on /roles, invalid_grant on /token). */
  static final class SsoRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SsoRefused(String reason) {
      super(reason);
    }
  }

  private final URI base;
  private final Http http;

  IdpClient(URI tokenUrl, Http http) {
    this.base = tokenUrl;
    this.http = http;
  }

  List<Role> roles(SsoSession sso) {
    Http.Answer a = http.get(PARTY, URI.create(base + "/roles"), "Authorization", "Bearer " + sso.idToken());
    if (a.status() == 401) throw new SsoRefused(Http.oauthError(a));
    if (!a.ok()) throw failure(a);
    Object roles = a.json().get("roles");
    if (!(roles instanceof List<?> list)) throw malformed(a, "no roles list");
    List<Role> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> m) || !(m.get("account") instanceof String account)
          || !ACCOUNT.matcher(account).matches() || !(m.get("role_arn") instanceof String arn)
          || !(m.get("issuer") instanceof String issuer) || !(m.get("expires_at") instanceof String expires)) {
        throw malformed(a, "a role without account, role_arn, issuer or expires_at");
      }
      try {
        out.add(new Role(account, arn, issuer, Instant.parse(expires)));
      } catch (DateTimeParseException e) {
        throw malformed(a, "expires_at is not an RFC 3339 time");
      }
    }
    return out;
  }

  /** {@code POST /token}: a web-identity token for {@code roleArn}. */
  WebIdentity exchange(SsoSession sso, String roleArn) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
    form.put("subject_token", sso.idToken());
    form.put("subject_token_type", "urn:ietf:params:oauth:token-type:id_token");
    form.put("resource", roleArn);
    form.put("audience", "sts.amazonaws.com");
    Http.Answer a = http.postForm(PARTY, URI.create(base + "/token"), form);
    if (!a.ok()) {
      String error = a.status() == 400 ? a.string("error") : null;
      if ("invalid_grant".equals(error)) throw new SsoRefused(Http.oauthError(a));
      if ("invalid_target".equals(error)) {
        throw new AwsOpsException("the token service has no active role for you as " + roleArn + " ("
            + Http.oauthError(a) + "): `aws-ops roles` lists what you can reach now");
      }
      throw failure(a);
    }
    String token = a.string("access_token");
    if (token == null) throw malformed(a, "no access_token");
    Object sub;
    try {
      sub = SignedJWT.parse(token).getJWTClaimsSet().getSubject();
    } catch (ParseException e) {
      throw malformed(a, "the access_token is not a signed JWT");
    }
    if (!(sub instanceof String s) || s.isEmpty()) throw malformed(a, "the access_token has no sub");
    return new WebIdentity(token, s);
  }

  private static AwsOpsException failure(Http.Answer a) {
    String what = Http.oauthError(a);
    return switch (a.status()) {
      case 429 -> new AwsOpsException("the token service limits how often you may ask (" + what + "): try again in a minute");
      case 503 -> new AwsOpsException("the token service is unavailable right now (" + what + "): try again in a minute; "
          + "if it lasts, tell the operators");
      case 404 -> new AwsOpsException("the token service at " + Http.where(a.url()) + " answered 404: check idp.token-url "
          + "(the token listener's base URL)");
      default -> new AwsOpsException("the token service answered " + a.status() + " (" + what + ")");
    };
  }

  private static AwsOpsException malformed(Http.Answer a, String what) {
    return new AwsOpsException("the token service at " + Http.where(a.url()) + " answered " + what
        + ": check idp.token-url");
  }
}
