package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's STS: {@code AssumeRole} for our long-term key only, into the management role of an account that
 * installed a customer stack, as that role's trust allows (our account; the external id when the trust requires
 * one); it hands out temporary credentials that the fake IAM then requires. Guarded by the {@link FakeAws} lock.
 */
final class FakeSts {
  static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/((?:/?[\\w+=,.@-]+)+)");

  /** One set of temporary credentials: the account whose management role it is, and its session token. */
  record Session(String account, String token) {}

  private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");

  private final FakeAws aws;
  private final WebIdentitySts webIdentity;
  private final Map<String, Session> sessions = new LinkedHashMap<>(); // by access key id

  FakeSts(FakeAws aws, WebIdentitySts webIdentity) {
    this.aws = aws;
    this.webIdentity = webIdentity;
  }

  /** The session of temporary credentials, or null. */
  Session session(String accessKey) {
    return sessions.get(accessKey);
  }

  /**
   * Answers one STS request made with {@code accessKey}: ours, or an engineer's web-identity session (checked
   * already), or null for the unsigned {@code AssumeRoleWithWebIdentity}.
   */
  String handle(AwsQuery q, String accessKey) {
    if (!"2011-06-15".equals(q.optional("Version"))) throw new AwsError("InvalidAction", "unsupported Version");
    boolean engineer = webIdentity.isSession(accessKey);
    return switch (q.action()) {
      case "AssumeRoleWithWebIdentity" -> webIdentity.assume(q);
      case "GetCallerIdentity" -> engineer ? webIdentity.callerIdentity(q, accessKey) : callerIdentity(q);
      case "AssumeRole" -> {
        if (engineer) throw new AwsError("AccessDenied", "an engineer's session may not assume the management role");
        yield assumeRole(q);
      }
      default -> throw new AwsError("InvalidAction", "Could not find operation " + q.action());
    };
  }

  /** Who our long-term key is: our service's user in our account. */
  private String callerIdentity(AwsQuery q) {
    q.only(Set.of());
    return "<GetCallerIdentityResponse xmlns=\"" + NS + "\"><GetCallerIdentityResult>"
        + el("Arn", "arn:aws:iam::" + FakeAws.OUR_ACCOUNT + ":user/aws-ops-idp") + el("UserId", "AIDAOURSERVICE0000001")
        + el("Account", FakeAws.OUR_ACCOUNT) + "</GetCallerIdentityResult>" + FakeAws.meta() + "</GetCallerIdentityResponse>";
  }

  private String assumeRole(AwsQuery q) {
    q.only(Set.of("RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId"));
    String roleArn = q.required("RoleArn");
    String sessionName = q.required("RoleSessionName");
    if (roleArn.length() < 20 || roleArn.length() > 2048) throw new AwsError("ValidationError", "RoleArn length");
    if (!sessionName.matches("[\\w+=,.@-]{2,64}")) throw new AwsError("ValidationError", "RoleSessionName must be 2..64 of [\\w+=,.@-]");
    int duration = q.optional("DurationSeconds") == null ? 3600 : Integer.parseInt(q.optional("DurationSeconds"));
    if (duration < 900 || duration > 3600) {
      throw new AwsError("ValidationError", "DurationSeconds must be 900..3600 for this role");
    }
    Matcher m = ROLE_ARN.matcher(roleArn);
    if (!m.matches()) throw new AwsError("ValidationError", roleArn + " is not a valid role ARN");
    String externalId = q.optional("ExternalId");
    if (externalId != null && !EXTERNAL_ID.matcher(externalId).matches()) {
      throw new AwsError("ValidationError", "ExternalId must be 2..1224 characters of [\\w+=,.@:/-]");
    }
    FakeAccount a = aws.accountOrNull(m.group(1));
    CustomerStack.Installed stack = a == null ? null : a.stack;
    // The role's trust: it must exist, name our account, and, when it requires an external id, get exactly that one
    // (an external id the trust does not ask for is ignored, as by STS).
    if (stack == null || !m.group(2).equals(stack.managementRoleName())
        || !stack.trustedAccount().equals(FakeAws.OUR_ACCOUNT)
        || stack.externalId() != null && !stack.externalId().equals(externalId)) {
      throw new AwsError("AccessDenied", "User: arn:aws:iam::" + FakeAws.OUR_ACCOUNT + ":user/aws-ops-idp is not "
          + "authorized to perform: sts:AssumeRole on resource: " + roleArn);
    }
    int n = aws.nextNumber();
    String key = "ASIA" + String.format("%016d", n);
    String token = "FQoGZXIvYXdzE" + n + "session-token";
    sessions.put(key, new Session(a.id, token));
    return "<AssumeRoleResponse xmlns=\"" + NS + "\"><AssumeRoleResult><Credentials>"
        + el("AccessKeyId", key) + el("SecretAccessKey", "secret-" + n) + el("SessionToken", token)
        + el("Expiration", Instant.now().plusSeconds(duration).toString()) + "</Credentials><AssumedRoleUser>"
        + el("AssumedRoleId", "AROAMANAGEMENT:" + sessionName)
        + el("Arn", "arn:aws:sts::" + a.id + ":assumed-role/" + stack.managementRoleName() + "/" + sessionName)
        + "</AssumedRoleUser></AssumeRoleResult>" + FakeAws.meta() + "</AssumeRoleResponse>";
  }
}
