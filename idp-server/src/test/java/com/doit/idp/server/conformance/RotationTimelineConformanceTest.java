package com.doit.idp.server.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.InMemoryRoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import com.doit.idp.server.hostile.IdpUnderTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jose4j.json.JsonUtil;
import org.jose4j.jwk.JsonWebKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * aws-sts-rules.md section 2, through a whole rotation: "assume STS may use a copy [of the JWKS] as old as our
 * max-age". The test walks the clock through a rotation in steps of 30 s, and at every step fetches the JWKS as STS
 * would and mints a token. Then, exhaustively: every token must verify against every JWKS copy STS could be
 * holding while the token is valid (a copy fetched up to one max-age before the token was minted, up to its exp),
 * and every token must pass STS's checks at the moment it is used.
 */
class RotationTimelineConformanceTest {
  private static final String ACCOUNT = "210987654321";
  private static final Duration STEP = Duration.ofSeconds(30);

  private record Snapshot(Instant at, Set<String> kids) {}

  private record Minted(Instant at, String kid, long exp, String token) {}

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void everyTokenVerifiesAgainstEveryJwksCopyStsMayHoldThroughARotation(SigningAlgorithm alg) throws Exception {
    try (IdpUnderTest idp = IdpUnderTest.start(new InMemoryRoleKeyStore(), Map.of())) {
      String engineer = "rotating-" + alg.name().toLowerCase();
      StsVerifier sts = new StsVerifier(idp.baseUrl("public"), "sts.amazonaws.com", idp.clock());
      String issuer = idp.issuer(ACCOUNT, engineer);
      Duration maxAge = idp.config().http().jwksMaxAge();
      Duration lifetime = idp.config().tokens().lifetime();

      idp.createRole(ACCOUNT, engineer, alg);
      List<Snapshot> snapshots = new ArrayList<>();
      List<Minted> minted = new ArrayList<>();
      // before, during and after: one max-age of history, then the rotation's full span plus margin
      Duration span = maxAge.plus(maxAge).plus(lifetime).plus(maxAge).plus(maxAge);
      Instant rotateAt = idp.clock().instant().plus(maxAge);
      Instant end = idp.clock().instant().plus(span);
      boolean rotated = false;
      Set<String> allKids = new LinkedHashSet<>();
      while (idp.clock().instant().isBefore(end)) {
        if (!rotated && !idp.clock().instant().isBefore(rotateAt)) {
          idp.rotate(ACCOUNT, engineer);
          rotated = true;
        }
        Set<String> kids = new LinkedHashSet<>();
        for (JsonWebKey k : sts.jwks(issuer).getJsonWebKeys()) kids.add(k.getKeyId());
        snapshots.add(new Snapshot(idp.clock().instant(), kids));
        String token = idp.mint(ACCOUNT, engineer);
        Map<String, Object> header = JsonUtil.parseJson(new String(
            java.util.Base64.getUrlDecoder().decode(token.split("\\.")[0])));
        Map<String, Object> claims = JsonUtil.parseJson(new String(
            java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1])));
        minted.add(new Minted(idp.clock().instant(), (String) header.get("kid"), (Long) claims.get("exp"), token));
        allKids.add((String) header.get("kid"));
        // the token passes STS now, with the JWKS as published now
        sts.assumeRoleWithWebIdentity(token);
        idp.advance(STEP);
      }
      assertEquals(2, allKids.size(), "the rotation switched signing keys: " + allKids);

      int checked = 0;
      for (Minted m : minted) {
        for (Snapshot s : snapshots) {
          // STS may verify at any time up to exp, with a copy fetched up to one max-age before then
          boolean stsMayHoldIt = !s.at().isBefore(m.at().minus(maxAge)) && s.at().getEpochSecond() <= m.exp();
          if (!stsMayHoldIt) continue;
          checked++;
          assertTrue(s.kids().contains(m.kid()), "a token minted at " + m.at() + " with kid " + m.kid()
              + " cannot be verified with the JWKS copy of " + s.at() + " (" + s.kids() + ")");
        }
      }
      assertTrue(checked > minted.size() * 10, "checked " + checked + " (token, copy) pairs");
    }
  }
}
