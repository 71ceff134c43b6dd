package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * STS's web-identity side of {@link FakeAws}: {@code AssumeRoleWithWebIdentity} (an unsigned call: the token is the
 * proof) checked as STS checks it, then {@code GetCallerIdentity} for the temporary credentials it handed out.
 * <ul>
 *   <li>parameters as STS validates them (role ARN, session name 2..64 of {@code [\w+=,.@-]}, token 4..20000
 *       characters, duration 900 s .. the role's maximum);</li>
 *   <li>the token ({@link WebIdentityTokenCheck}): {@code iss} must be the URL of an OIDC provider registered in the
 *       role's account, whose discovery document and JWKS are fetched, the signing key chosen by {@code kid}, the
 *       {@code aud} one of the provider's client ids, the times valid;</li>
 *   <li>then the role's trust policy: an {@code Allow} for the provider's ARN as {@code Federated} principal, for
 *       {@code sts:AssumeRoleWithWebIdentity} (and {@code sts:SetSourceIdentity} when the token carries a source
 *       identity), whose conditions hold on the provider's {@code :aud} and {@code :sub} keys; a condition on any
 *       other key fails (the fake does not guess);</li>
 *   <li>errors with STS's codes ({@code InvalidIdentityToken}, {@code ExpiredTokenException},
 *       {@code IDPCommunicationError}, {@code AccessDenied}, {@code ValidationError}); faults injected on demand.</li>
 * </ul>
 * STS reaches a provider at {@code https://<host>/<path>}; a test {@linkplain #route routes} that host to a
 * loopback listener, as a load balancer in front of the public listener would. Guarded by the {@link FakeAws} lock.
 */
public final class WebIdentitySts {
  static final String SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";
  private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/((?:[\\w+=,.@-]+/)*)([\\w+=,.@-]{1,64})");
  private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
  private static final String STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";

  /** One temporary session this STS handed out. */
  public record Session(String account, String roleName, String roleId, String sessionName, String sessionToken,
      Instant expires, String sourceIdentity) {
    public String assumedRoleArn() {
      return "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + sessionName;
    }
  }

  private final FakeAws aws;
  private final Map<String, URI> routes = new LinkedHashMap<>();
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Deque<String> faults = new ArrayDeque<>();
  private int ids;

  WebIdentitySts(FakeAws aws) {
    this.aws = aws;
  }

  /**
   * Serves {@code https://<host>} of the public URL {@code publicBase} from {@code local} (for example the public
   * listener's {@code http://127.0.0.1:<port>}): STS fetches discovery documents and JWKS there.
   */
  public void route(String publicBase, URI local) {
    synchronized (aws) {
      routes.put(URI.create(publicBase).getHost(), local);
    }
  }

  /** Fails the next {@code times} AssumeRoleWithWebIdentity calls with {@code code} (before anything is checked). */
  public void failNext(int times, String code) {
    synchronized (aws) {
      for (int i = 0; i < times; i++) faults.add(code);
    }
  }

  public void clearFaults() {
    synchronized (aws) {
      faults.clear();
    }
  }

  /** Every session handed out, by access key id. */
  public Map<String, Session> sessions() {
    synchronized (aws) {
      return Map.copyOf(sessions);
    }
  }

  boolean authenticates(String accessKey, String sessionToken) {
    Session s = sessions.get(accessKey);
    if (s == null || sessionToken == null || !sessionToken.equals(s.sessionToken())) return false;
    if (!Instant.now().isBefore(s.expires())) throw new FakeAws.IamError("ExpiredToken", "The security token included in the request is expired");
    return true;
  }

  String assume(AwsQuery q) {
    q.only(Set.of("RoleArn", "RoleSessionName", "WebIdentityToken", "DurationSeconds", "ProviderId", "Policy", "PolicyArns"));
    String roleArn = q.required("RoleArn");
    String sessionName = q.required("RoleSessionName");
    String token = q.required("WebIdentityToken");
    if (roleArn.length() < 20 || roleArn.length() > 2048) throw validation("roleArn", "Member must have length between 20 and 2048");
    if (!SESSION_NAME.matcher(sessionName).matches()) throw validation("roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]*, length 2..64");
    if (token.length() < 4 || token.length() > 20000) throw validation("webIdentityToken", "Member must have length between 4 and 20000");
    if (q.optional("ProviderId") != null) throw new FakeAws.IamError("InvalidParameterValue", "ProviderId is only for OAuth 2.0 access tokens, not OpenID Connect ID tokens");
    Matcher m = ROLE_ARN.matcher(roleArn);
    if (!m.matches()) throw validation("roleArn", roleArn + " is not a valid role ARN");
    if (!faults.isEmpty()) {
      String code = faults.poll();
      throw new FakeAws.IamError(code, "injected fault: " + code);
    }
    FakeAws.Account account = aws.accountOrNull(m.group(1));
    String issuer = WebIdentityTokenCheck.issuer(token);
    FakeAws.Provider provider = account == null ? null : account.providers.values().stream()
        .filter(p -> p.url().equals(issuer)).findFirst().orElse(null);
    if (provider == null) {
      throw new FakeAws.IamError("InvalidIdentityToken", "No OpenIDConnect provider found in your account for " + issuer);
    }
    Map<String, Object> claims = WebIdentityTokenCheck.verify(token, issuer, provider.clientIds(), Instant.now(), this::localUrl);
    String providerArn = FakeAws.providerArn(account.id, issuer);
    FakeAws.RoleState role = account.roles.get(m.group(3));
    Object sourceIdentity = claims.get(SOURCE_IDENTITY_CLAIM);
    if (sourceIdentity != null && !(sourceIdentity instanceof String s && SESSION_NAME.matcher(s).matches())) {
      throw new FakeAws.IamError("InvalidIdentityToken", "The source identity claim must be 2..64 characters of [\\w+=,.@-]");
    }
    if (role == null || !role.arn.equals(roleArn)
        || !trusts(role.trust, providerArn, issuer.substring("https://".length()), claims, sourceIdentity != null)) {
      throw new FakeAws.IamError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    int duration = q.optional("DurationSeconds") == null ? 3600 : Integer.parseInt(q.optional("DurationSeconds"));
    if (duration < 900 || duration > role.maxSession) {
      throw validation("durationSeconds", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }
    ids++;
    String key = "ASIAWEB" + String.format("%013d", ids);
    Session session = new Session(account.id, role.name, role.id, sessionName, "IQoJwebidentity" + ids + "session",
        Instant.now().plusSeconds(duration).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        (String) sourceIdentity);
    sessions.put(key, session);
    Object aud = claims.get("aud");
    return "<AssumeRoleWithWebIdentityResponse xmlns=\"" + STS_NS + "\"><AssumeRoleWithWebIdentityResult>"
        + el("SubjectFromWebIdentityToken", claims.get("sub"))
        + el("Audience", aud instanceof List<?> l ? l.get(0) : aud)
        + "<AssumedRoleUser>" + el("Arn", session.assumedRoleArn()) + el("AssumedRoleId", role.id + ":" + sessionName)
        + "</AssumedRoleUser><Credentials>" + el("SessionToken", session.sessionToken())
        + el("SecretAccessKey", "web-secret-" + ids) + el("Expiration", session.expires()) + el("AccessKeyId", key)
        + "</Credentials>" + (sourceIdentity == null ? "" : el("SourceIdentity", sourceIdentity))
        + el("Provider", issuer.substring("https://".length())) + "</AssumeRoleWithWebIdentityResult>"
        + FakeAws.meta() + "</AssumeRoleWithWebIdentityResponse>";
  }

  /** {@code GetCallerIdentity} for one of the sessions handed out here. */
  String callerIdentity(AwsQuery q, String accessKey) {
    q.only(Set.of());
    Session s = sessions.get(accessKey);
    return "<GetCallerIdentityResponse xmlns=\"" + STS_NS + "\"><GetCallerIdentityResult>"
        + el("Arn", s.assumedRoleArn()) + el("UserId", s.roleId() + ":" + s.sessionName()) + el("Account", s.account())
        + "</GetCallerIdentityResult>" + FakeAws.meta() + "</GetCallerIdentityResponse>";
  }

  boolean isSession(String accessKey) {
    return sessions.containsKey(accessKey);
  }

  private URI localUrl(URI publicUrl) {
    URI local = routes.get(publicUrl.getHost());
    if (local == null || publicUrl.getPort() != -1) return null;
    return URI.create(local + publicUrl.getRawPath() + (publicUrl.getRawQuery() == null ? "" : "?" + publicUrl.getRawQuery()));
  }

  /** An Allow statement for the provider that grants every needed action and whose conditions all hold. */
  private static boolean trusts(String trustJson, String providerArn, String providerKey, Map<String, Object> claims,
      boolean sourceIdentity) {
    Map<String, Object> doc;
    try {
      doc = com.nimbusds.jose.util.JSONObjectUtils.parse(trustJson);
    } catch (java.text.ParseException e) {
      return false;
    }
    List<String> needed = sourceIdentity ? List.of("sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity")
        : List.of("sts:AssumeRoleWithWebIdentity");
    for (Object o : list(doc.get("Statement"))) {
      if (!(o instanceof Map<?, ?> s) || !"Allow".equals(s.get("Effect"))) continue;
      if (!(s.get("Principal") instanceof Map<?, ?> p) || !list(p.get("Federated")).contains(providerArn)) continue;
      List<?> actions = list(s.get("Action")).stream().map(a -> String.valueOf(a).toLowerCase(Locale.ROOT)).toList();
      if (!needed.stream().allMatch(a -> actions.contains(a.toLowerCase(Locale.ROOT)) || actions.contains("sts:*"))) continue;
      if (conditionsHold(s.get("Condition"), providerKey, claims)) return true;
    }
    return false;
  }

  private static boolean conditionsHold(Object condition, String providerKey, Map<String, Object> claims) {
    if (condition == null) return true;
    if (!(condition instanceof Map<?, ?> byOperator)) return false;
    for (Map.Entry<?, ?> op : byOperator.entrySet()) {
      if (!(op.getValue() instanceof Map<?, ?> byKey)) return false;
      for (Map.Entry<?, ?> k : byKey.entrySet()) {
        String key = String.valueOf(k.getKey());
        List<?> actual;
        if (key.equals(providerKey + ":aud")) actual = list(claims.get("aud"));
        else if (key.equals(providerKey + ":sub")) actual = list(claims.get("sub"));
        else return false;
        List<?> expected = list(k.getValue());
        boolean holds = switch (String.valueOf(op.getKey())) {
          case "StringEquals" -> actual.stream().anyMatch(expected::contains);
          case "StringLike" -> actual.stream().anyMatch(a -> expected.stream().anyMatch(e -> like(String.valueOf(e), String.valueOf(a))));
          default -> false;
        };
        if (!holds) return false;
      }
    }
    return true;
  }

  private static boolean like(String pattern, String value) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*') regex.append(".*");
      else if (c == '?') regex.append('.');
      else regex.append(Pattern.quote(String.valueOf(c)));
    }
    return value.matches(regex.toString());
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : o == null ? List.of() : List.of(o);
  }

  private static FakeAws.IamError validation(String member, String message) {
    return new FakeAws.IamError("ValidationError", "1 validation error detected: Value at '" + member + "' failed to satisfy constraint: " + message);
  }
}
