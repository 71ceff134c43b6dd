package com.doit.idp.server.lifecycle;

import java.time.Instant;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

/** Verifies a minted token with jose4j (independent of the server's nimbus) against a JWKS the server served. */
final class Sts {
  private Sts() {}

  static JwtClaims verify(String token, String servedJwks, String issuer, Instant now) throws Exception {
    return new JwtConsumerBuilder()
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(new JsonWebKeySet(servedJwks).getJsonWebKeys()))
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS256", "ES256")
        .setExpectedIssuer(true, issuer)
        .setExpectedAudience(true, LifecycleServer.STS)
        .setRequireExpirationTime()
        .setAllowedClockSkewInSeconds(0)
        .setEvaluationTime(NumericDate.fromSeconds(now.getEpochSecond()))
        .build()
        .processToClaims(token);
  }
}
