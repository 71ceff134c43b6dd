package com.doit.idp.server.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.audit.BoundedDenialAudit;
import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Refused token requests cost an attacker nothing but a connection, and each one used to write an audit line before
 * any authentication: a flood of them filled the disk, and a full disk then answered every request with a 500.
 * Now the refusals of one source are audited up to a bound a minute and summarised beyond it, and an audit log that
 * cannot be written is a {@code 503} with a JSON body.
 */
class RefusalAuditTest {
  static final String ACCOUNT = "123456789012";

  @Test
  void refusedTokenRequestsFromOneSourceAreAuditedUpToTheBoundThenSummarised() {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of(), false)) {
      int sent = 40;
      for (int i = 0; i < sent; i++) {
        RawHttp.Response r = idp.postToken("grant_type=password&username=x" + i);
        assertEquals(400, r.status(), r.toString());
        assertEquals("unsupported_grant_type", Catalogue.json(r, r.toString()).get("error"));
      }
      List<Map<String, Object>> denied = denied(idp);
      assertEquals(BoundedDenialAudit.PER_SOURCE, denied.size(), "the first lines of the minute, no more");
      for (Map<String, Object> m : denied) assertEquals("127.0.0.1", m.get("remote_addr"));

      idp.advance(Duration.ofSeconds(61));
      assertEquals(400, idp.postToken("grant_type=x").status());
      List<Map<String, Object>> summary = idp.auditLines().stream()
          .filter(m -> "token.denied.dropped".equals(m.get("event"))).toList();
      assertEquals(1, summary.size(), idp.auditLines().toString());
      assertEquals("127.0.0.1", summary.get(0).get("remote_addr"));
      assertEquals((long) (sent - BoundedDenialAudit.PER_SOURCE), ((Number) summary.get(0).get("count")).longValue());
      assertEquals(BoundedDenialAudit.PER_SOURCE + 1, denied(idp).size(), "a new minute audits again");
    }
  }

  @Test
  void aGoodTokenRequestIsAuditedWhateverTheRefusalsFromItsSource() {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of(), false)) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256);
      for (int i = 0; i < 30; i++) idp.postToken("grant_type=x");
      RawHttp.Response ok = idp.postToken(IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"),
          idp.roleArn(ACCOUNT, "alice")));
      assertEquals(200, ok.status(), ok.toString());
      List<Map<String, Object>> mine = idp.auditLinesOf(ok.header("x-request-id"));
      assertEquals(1, mine.size());
      assertEquals("token.issued", mine.get(0).get("event"));
    }
  }

  @Test
  void anAuditLogThatCannotBeWrittenIs503WithAJsonBodyNeverA500() {
    Path full = Path.of("/dev/full"); // a genuine ENOSPC on every write, as on a full disk
    Assumptions.assumeTrue(Files.isWritable(full), "/dev/full is writable");
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(),
        Map.of("IDP_AUDIT_FILE", full.toString()), false)) {
      idp.createRole(ACCOUNT, "alice", SigningAlgorithm.ES256); // keys-admin's acts go to a log of their own here
      RawHttp.Response good = idp.postToken(IdpUnderTest.exchangeForm(idp.sso().tokenFor("alice"),
          idp.roleArn(ACCOUNT, "alice")));
      RawHttp.Response refused = idp.postToken("grant_type=x");
      for (RawHttp.Response r : List.of(good, refused)) {
        Catalogue.check(new Catalogue.Case(Catalogue.Listener.TOKEN, "POST /token", "audit log on a full disk",
            new byte[0], 503, "temporarily_unavailable", false, x -> {}), r);
        assertNotNull(r.header("retry-after"), r.toString());
        assertTrue(!r.body().contains("access_token"), "no token without its audit line: " + r);
      }
      // the public documents do not write the audit log: STS keeps verifying
      assertEquals(200, idp.http("public").send(Catalogue.get("/" + ACCOUNT + "/alice/jwks.json")).status());
    }
  }

  private static List<Map<String, Object>> denied(IdpUnderTest idp) {
    return idp.auditLines().stream().filter(m -> "token.denied".equals(m.get("event"))).toList();
  }
}
