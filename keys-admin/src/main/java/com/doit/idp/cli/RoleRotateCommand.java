package com.doit.idp.cli;

import com.doit.idp.role.KeyState;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleJson;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SupportRole;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code role rotate A/E}: starts a staged rotation (SPEC.md "Key rotation and revocation"). */
@Command(name = "rotate", mixinStandardHelpOptions = true,
    description = {"Start a staged rotation: a new key is published now and signs after one JWKS max-age;",
        "the old key stays published until its last token has expired plus one max-age."})
final class RoleRotateCommand extends CliCommand {
  @Parameters(paramLabel = "ACCOUNT/ENGINEER", description = "The role.")
  String role;

  @Override
  void execute() {
    RoleId id = roleId(role);
    Session s = session();
    SupportRole r = s.changer().rotate(id, s.actor());
    Instant now = s.now();
    if (json()) {
      printJson(RoleJson.of(r, s.names(), now));
      return;
    }
    out().println("rotating role " + id);
    for (RoleKey k : r.keys()) {
      KeyState state = r.stateOf(k, now);
      String when = switch (state) {
        case NEXT -> "published now, signs from " + k.metadata().signFrom();
        case ACTIVE -> "signs until " + r.keys().stream().filter(o -> r.stateOf(o, now) == KeyState.NEXT)
            .map(o -> o.metadata().signFrom().toString()).findFirst().orElse("replaced")
            + ", retires at " + k.metadata().retireAt().map(Instant::toString).orElse("-");
        case RETIRING, RETIRED -> "retires at " + k.metadata().retireAt().map(Instant::toString).orElse("-");
      };
      out().println("  " + k.kid() + "  " + k.algorithm() + "  " + state.wire() + "  " + when);
    }
  }
}
