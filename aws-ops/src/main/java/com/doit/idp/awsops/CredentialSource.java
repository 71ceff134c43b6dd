package com.doit.idp.awsops;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Credentials for one account, the way {@code credentials} and {@code exec} get them: from the cache while they are
 * good for more than 5 minutes, else one exchange (the role from {@code GET /roles}, a web-identity token from
 * {@code POST /token}, then {@code AssumeRoleWithWebIdentity} with the engineer id as session name), under a lock
 * per account so that concurrent calls make one exchange and the others read its result. Never opens a browser.
 * Thread-safe.
 */
final class CredentialSource {
  /** An exchange takes the STS retries (30 s) and two HTTP calls; a waiter gives up after that and some. */
  private static final Duration LOCK_WAIT = Duration.ofSeconds(90);

  private final Context context;
  private final Settings settings;
  private final CacheDir cache;
  private final SsoSignIn signIn;
  private final IdpClient idp;

  CredentialSource(Context context, Settings settings, CacheDir cache, SsoSignIn signIn, IdpClient idp) {
    this.context = context;
    this.settings = settings;
    this.cache = cache;
    this.signIn = signIn;
    this.idp = idp;
  }

  /** The {@code credential_process} JSON for {@code account}. */
  String credentialProcessJson(String account) {
    String cached = fresh(account);
    if (cached != null) return cached;
    try (CacheDir.Held lock = cache.lock("credentials-" + account, LOCK_WAIT)) {
      // Whoever held the lock before us may have just written them.
      cached = fresh(account);
      if (cached != null) return cached;
      AwsCredentials c = exchange(account);
      String json = c.credentialProcessJson();
      cache.write(CachedCredentials.fileName(account), CachedCredentials.encode(c.expiration(), json));
      return json;
    }
  }

  /** The credentials themselves (cached or new), for {@code exec}. */
  AwsCredentials credentials(String account) {
    credentialProcessJson(account);
    return parse(cache.read(CachedCredentials.fileName(account)), account);
  }

  private String fresh(String account) {
    byte[] json = CachedCredentials.fresh(cache.read(CachedCredentials.fileName(account)),
        context.clock().instant().getEpochSecond());
    return json == null ? null : new String(json, StandardCharsets.UTF_8).strip();
  }

  private AwsCredentials exchange(String account) {
    SsoSession sso = signIn.current();
    IdpClient.Role role;
    IdpClient.WebIdentity token;
    try {
      role = role(idp.roles(sso), account);
      token = idp.exchange(sso, role.roleArn());
    } catch (IdpClient.SsoRefused e) {
      // Refused before our clock says it expired (the server's sso.max-age, clocks apart): renew once.
      sso = signIn.renew(sso, true);
      try {
        role = role(idp.roles(sso), account);
        token = idp.exchange(sso, role.roleArn());
      } catch (IdpClient.SsoRefused again) {
        throw new NotSignedInException("the token service refused the SSO sign-in: " + again.getMessage());
      }
    }
    try (StsWebIdentity sts = new StsWebIdentity(settings, context.clock(), context.sleeper())) {
      return sts.assume(role.roleArn(), token.subject(), token.token());
    }
  }

  private IdpClient.Role role(List<IdpClient.Role> roles, String account) {
    IdpClient.Role role = roles.stream().filter(r -> r.account().equals(account)).findFirst().orElseThrow(() ->
        new AwsOpsException("you have no active role in account " + account + (roles.isEmpty() ? " (none at all)"
            : " (you have: " + String.join(", ", roles.stream().map(IdpClient.Role::account).toList()) + ")")
            + ": ask for access through the support case"));
    String name = role.roleArn().substring(role.roleArn().lastIndexOf('/') + 1);
    if (!role.roleArn().equals("arn:aws:iam::" + account + ":role/" + name) || !name.startsWith(settings.rolePrefix())) {
      throw new AwsOpsException("the token service offered " + AwsOpsException.oneLine(role.roleArn()) + " for account "
          + account + ", not a support role " + settings.rolePrefix() + "*: check idp.token-url and role-prefix");
    }
    return role;
  }

  private static AwsCredentials parse(byte[] file, String account) {
    byte[] json = file == null ? null : CachedCredentials.fresh(file, 0);
    if (json == null) throw new AwsOpsException("the credentials cache of account " + account + " is damaged: run `aws-ops logout`");
    try {
      Map<String, Object> m = JSONObjectUtils.parse(new String(json, StandardCharsets.UTF_8));
      return new AwsCredentials((String) m.get("AccessKeyId"), (String) m.get("SecretAccessKey"),
          (String) m.get("SessionToken"), Instant.parse((String) m.get("Expiration")));
    } catch (ParseException | RuntimeException e) {
      throw new AwsOpsException("the credentials cache of account " + account + " is damaged: run `aws-ops logout`");
    }
  }
}
