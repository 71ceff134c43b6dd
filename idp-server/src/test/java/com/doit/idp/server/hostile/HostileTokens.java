package com.doit.idp.server.hostile;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forged SSO tokens: every attack on JWS verification we know of, each built from claims that would be accepted if
 * they were signed by the SSO's key. A server that accepts any of them lets an outsider mint AWS credentials.
 *
 * <p>Attacks: {@code alg: none} (in several spellings), HS256 keyed with the SSO's RSA public key (PEM, DER, JWK
 * JSON, modulus), a foreign RSA or EC key under the SSO's {@code kid}, a tampered payload, a stripped signature,
 * injected {@code kid} values, and {@code jku}/{@code x5u}/{@code jwk}/{@code x5c} headers that point at the
 * attacker's key (on the {@link Canary}). Immutable once built; thread-safe.
 */
public final class HostileTokens {
  /** One forged token and what it tries. */
  public record Forgery(String name, String token) {
    @Override
    public String toString() {
      return name;
    }
  }

  private final RSAKey attackerRsa;
  private final ECKey attackerEc;

  public HostileTokens() {
    try {
      attackerRsa = new RSAKeyGenerator(2048).keyID("attacker-rsa").generate();
      attackerEc = new ECKeyGenerator(Curve.P_256).keyID("attacker-ec").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JWKS the canary serves: the attacker's public keys. */
  public String attackerJwks() {
    return new JWKSet(List.of(attackerRsa.toPublicJWK(), attackerEc.toPublicJWK())).toString();
  }

  public RSAKey attackerRsa() {
    return attackerRsa;
  }

  /** Every forgery of {@code claims}, which is otherwise a token the server accepts. */
  public List<Forgery> all(SsoIssuer.Claims claims, SsoIssuer sso, Canary canary) {
    Map<String, Object> payload = claims.toClaimsSet().toJSONObject();
    RSAKey trusted = sso.signingKey().toPublicJWK();
    String kid = trusted.getKeyID();
    List<Forgery> f = new ArrayList<>();

    // alg none: the signature is empty; some libraries accept any spelling
    for (String none : List.of("none", "None", "NONE", "nOnE")) {
      f.add(new Forgery("alg " + none, raw(Map.of("alg", none, "typ", "JWT"), payload, "")));
      f.add(new Forgery("alg " + none + " with kid", raw(Map.of("alg", none, "kid", kid), payload, "")));
    }
    f.add(new Forgery("alg none with a real signature left on",
        raw(Map.of("alg", "none"), payload, claims.sign().split("\\.")[2])));
    f.add(new Forgery("no alg at all", raw(Map.of("kid", kid), payload, "")));
    f.add(new Forgery("alg empty", raw(Map.of("alg", "", "kid", kid), payload, "")));
    f.add(new Forgery("alg as an array", raw(Map.of("alg", List.of("RS256"), "kid", kid), payload, "")));

    // HS256 keyed with the RSA public key, in every encoding a confused verifier might use as the secret
    try {
      byte[] der = trusted.toRSAPublicKey().getEncoded();
      String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.encode(der).toString().replaceAll("(.{64})", "$1\n")
          + "\n-----END PUBLIC KEY-----\n";
      Map<String, byte[]> secrets = new LinkedHashMap<>();
      secrets.put("PEM", pem.getBytes(StandardCharsets.US_ASCII));
      secrets.put("DER", der);
      secrets.put("JWK JSON", trusted.toJSONString().getBytes(StandardCharsets.UTF_8));
      secrets.put("modulus", trusted.getModulus().decode());
      for (var e : secrets.entrySet()) {
        for (JWSAlgorithm hs : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS512)) {
          if (hs == JWSAlgorithm.HS512 && e.getValue().length < 64) continue;
          SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(hs).keyID(kid).type(JOSEObjectType.JWT).build(),
              claims.toClaimsSet());
          jwt.sign(new MACSigner(e.getValue()));
          f.add(new Forgery(hs + " keyed with the RSA public key as " + e.getKey(), jwt.serialize()));
        }
      }

      // a foreign key under the trusted kid
      f.add(new Forgery("RS256 by a foreign key under the SSO kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims, attackerRsa)));
      f.add(new Forgery("ES256 by a foreign key under the SSO kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), claims, attackerEc)));
      f.add(new Forgery("PS256 by a foreign key under the SSO kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID(kid).build(), claims, attackerRsa)));
      f.add(new Forgery("RS256 by a foreign key without kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims, attackerRsa)));

      // the attacker's key delivered in the header itself, or by reference to the attacker's server
      RSAKey pub = attackerRsa.toPublicJWK();
      f.add(new Forgery("embedded jwk header",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(pub.getKeyID()).jwk(pub).build(), claims, attackerRsa)));
      f.add(new Forgery("embedded jwk header under the SSO kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).jwk(pub).build(), claims, attackerRsa)));
      f.add(new Forgery("jku header to the attacker's JWKS",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(pub.getKeyID())
              .jwkURL(URI.create(canary.url("/jku/jwks.json"))).build(), claims, attackerRsa)));
      f.add(new Forgery("jku header under the SSO kid",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
              .jwkURL(URI.create(canary.url("/jku-kid/jwks.json"))).build(), claims, attackerRsa)));
      f.add(new Forgery("x5u header to the attacker's certificate",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(pub.getKeyID())
              .x509CertURL(URI.create(canary.url("/x5u/cert.pem"))).build(), claims, attackerRsa)));
      f.add(new Forgery("x5c header with a garbage chain",
          sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
              .x509CertChain(List.of(Base64.encode(attackerRsa.toRSAPublicKey().getEncoded()))).build(),
              claims, attackerRsa)));

      // kid injection: the attacker's key under kids that a naive key lookup might misread
      for (String bad : List.of("../../../../../../dev/null", "' OR '1'='1", "sso\u0000", "sso/../sso", "",
          "%2e%2e%2fsso", "x".repeat(10_000), "${jndi:ldap://127.0.0.1/x}", "sso\r\nX-Injected: 1")) {
        f.add(new Forgery("injected kid " + printable(bad),
            sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(bad).build(), claims, attackerRsa)));
      }

      // the trusted key's signature, but on other bytes
      String good = claims.sign();
      String[] parts = good.split("\\.");
      Map<String, Object> tampered = new LinkedHashMap<>(payload);
      tampered.put("email", "root@" + SsoIssuer.DOMAIN);
      f.add(new Forgery("payload swapped under a valid signature",
          parts[0] + "." + b64(JSONObjectUtils.toJSONString(tampered)) + "." + parts[2]));
      f.add(new Forgery("signature stripped", parts[0] + "." + parts[1] + "."));
      f.add(new Forgery("signature truncated", parts[0] + "." + parts[1] + "." + parts[2].substring(0, 20)));
      f.add(new Forgery("signature of another token", parts[0] + "." + parts[1] + "."
          + sso.claimsFor("someone-else").sign().split("\\.")[2]));
      f.add(new Forgery("crit header the verifier cannot understand",
          claims.sign(new JWSHeader.Builder(JWSAlgorithm.RS256)
              .keyID(kid).criticalParams(java.util.Set.of("x-must-understand")).customParam("x-must-understand", 1)
              .build())));
      f.add(new Forgery("JWE-shaped five parts", parts[0] + "." + parts[1] + "." + parts[2] + ".."));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return f;
  }

  private static String printable(String s) {
    String p = s.length() > 40 ? s.substring(0, 12) + "...(" + s.length() + " chars)" : s;
    return p.replace("\u0000", "\\0").replace("\r", "\\r").replace("\n", "\\n");
  }

  static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** A compact serialization of any header and payload, with the given signature part (possibly empty). */
  public static String raw(Map<String, Object> header, Map<String, Object> payload, String signature) {
    return b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(payload)) + "."
        + signature;
  }

  private static String sign(JWSHeader header, SsoIssuer.Claims claims, RSAKey key) throws JOSEException {
    SignedJWT jwt = new SignedJWT(header, claims.toClaimsSet());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String sign(JWSHeader header, SsoIssuer.Claims claims, ECKey key) throws JOSEException {
    SignedJWT jwt = new SignedJWT(header, claims.toClaimsSet());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }
}
