package com.doit.idp.cli;

import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SupportRole;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code role jwks A/E}: the public JWKS, as the public listener serves it. */
@Command(name = "jwks", mixinStandardHelpOptions = true,
    description = "Print the role's public JWKS as the server serves it (one line of JSON, with or without --json).")
final class RoleJwksCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    Instant now = s.now();
    SupportRole r = s.reader().find(id)
        .orElseThrow(() -> new RoleException(RoleException.Kind.NOT_FOUND, "no role " + id));
    if (r.isExpired(now)) {
      throw new RoleException(RoleException.Kind.NOT_FOUND,
          "role " + id + " expired at " + r.expiresAt() + ": it publishes nothing");
    }
    // Only public members: toJSONObject(true) drops any private part (there is none, RoleKey refuses it).
    JWKSet set = new JWKSet(r.publishedKeys(now).stream().map(RoleKey::publicJwk).toList());
    out().println(JSONObjectUtils.toJSONString(set.toJSONObject(true)));
  }
}
