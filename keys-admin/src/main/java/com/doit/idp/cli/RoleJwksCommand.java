package com.doit.idp.cli;

import com.doit.idp.role.RoleException;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SupportRole;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    // Built as the public listener builds it (idp-server PublicDocuments), so the bytes are the same: toPublicJWK()
    // although a RoleKey holds only public keys, because a private member must never be printed.
    List<Map<String, Object>> keys = r.publishedKeys(now).stream()
        .map(k -> k.publicJwk().toPublicJWK().toJSONObject()).toList();
    Map<String, Object> jwks = new LinkedHashMap<>();
    jwks.put("keys", keys);
    out().println(JSONObjectUtils.toJSONString(jwks));
  }
}
