package com.doit.idp.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.RoleKey;
import com.doit.idp.role.SupportRole;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.base64url.Base64Url;
import org.jose4j.json.JsonUtil;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

/**
 * Checks a minted token with jose4j (a JOSE library independent of nimbus) the way AWS STS does
 * (aws-sts-rules.md 3 and 4): the key from the role's published JWKS selected by {@code kid}, RS256/ES256 only,
 * {@code iss} exact, {@code aud} a single string, integer times, size, source identity.
 */
final class StsCheck {
  static final String AUDIENCE = "sts.amazonaws.com";

  private StsCheck() {}

  /** The role's JWKS as the public listener serves it. */
  static String jwks(SupportRole role, Instant now) {
    return role.publishedKeys(now).stream().map(RoleKey::publicJwk).map(k -> k.toJSONString())
        .collect(Collectors.joining(",", "{\"keys\":[", "]}"));
  }

  /** Verifies as STS would at {@code now}; returns the claims. Throws an assertion error or jose4j's exception. */
  static JwtClaims verify(String token, String jwksJson, String issuer, Instant now) throws Exception {
    assertTrue(token.length() >= 4 && token.length() <= 20_000, "STS takes tokens of 4..20000 characters");
    JsonWebKeySet jwks = new JsonWebKeySet(jwksJson);
    JwtConsumer consumer = new JwtConsumerBuilder()
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks.getJsonWebKeys()))
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS256", "ES256")
        .setExpectedIssuer(true, issuer)
        .setExpectedAudience(true, AUDIENCE)
        .setRequireExpirationTime()
        .setRequireIssuedAt()
        .setRequireNotBefore()
        .setRequireJwtId()
        .setRequireSubject()
        .setAllowedClockSkewInSeconds(0)
        .setEvaluationTime(NumericDate.fromSeconds(now.getEpochSecond()))
        .build();
    JwtContext ctx = consumer.process(token);
    assertEquals("JWT", ctx.getJoseObjects().get(0).getHeader("typ"));
    assertNotNull(ctx.getJoseObjects().get(0).getKeyIdHeaderValue());

    Map<String, Object> raw = JsonUtil.parseJson(new String(Base64Url.decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
    assertInstanceOf(String.class, raw.get("aud"), "aud is a single string, not an array");
    for (String t : List.of("iat", "nbf", "exp")) assertInstanceOf(Long.class, raw.get(t), t + " is an integer");
    String sourceIdentity = (String) raw.get("https://aws.amazon.com/source_identity");
    assertTrue(sourceIdentity.matches("[\\w+=,.@-]{2,64}"), "source identity as STS allows it");
    assertEquals(raw.get("sub"), sourceIdentity);
    return ctx.getJwtClaims();
  }
}
