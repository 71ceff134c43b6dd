package com.doit.idp.cli;

import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import java.io.PrintWriter;
import java.time.Instant;

/** A role written for people: what {@code role create} and {@code role show} print without {@code --json}. */
final class RoleText {
  private RoleText() {}

  static void print(PrintWriter out, SupportRole role, RoleNames names, Instant now) {
    var id = role.id();
    out.println("role          " + id);
    out.println("issuer        " + names.issuer(id));
    out.println("provider arn  " + names.providerArn(id));
    out.println("role arn      " + names.roleArn(id));
    out.println("expires at    " + role.expiresAt() + " (" + left(now, role.expiresAt()) + ")");
    String label = "keys          ";
    for (RoleKey k : role.keys()) {
      out.println(label + k.kid() + "  " + k.algorithm() + "  " + role.stateOf(k, now).wire() + keyTimes(role, k, now));
      label = "              ";
    }
    if (role.isExpired(now)) {
      out.println();
      out.println("This role has expired: it mints and publishes nothing. 'keys-admin gc' deletes its keys.");
      return;
    }
    out.println();
    out.println("For the customer, in AWS account " + id.account() + ":");
    out.println("  1. an IAM OIDC identity provider with URL " + names.issuer(id));
    out.println("     and audience (client id) " + names.audience());
    out.println("  2. the IAM role " + names.roleName(id) + " with this trust policy");
    out.println("     (also printed by 'keys-admin role trust-policy " + id + "'):");
    for (String line : Json.pretty(names.trustPolicy(id)).split("\n")) out.println("     " + line);
  }

  static String left(Instant now, Instant end) {
    String left = CliCommand.timeLeft(now, end);
    return left.equals("expired") ? "expired" : "in " + left;
  }

  private static String keyTimes(SupportRole role, RoleKey k, Instant now) {
    return switch (role.stateOf(k, now)) {
      case NEXT -> "  (signs from " + k.metadata().signFrom() + ")";
      case RETIRING, RETIRED -> k.metadata().retireAt().map(t -> "  (retires at " + t + ")").orElse("");
      case ACTIVE -> "";
    };
  }
}
