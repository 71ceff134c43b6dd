package com.doit.idp.server.jwks;

import com.doit.idp.role.RoleDirectory;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleNames;
import com.doit.idp.role.SupportRole;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The two public documents of a role, as STS fetches them (SPEC.md "Public", aws-sts-rules.md section 2): the
 * OpenID discovery document and the JWKS. Decisions only, no HTTP.
 *
 * <p>A role is looked up in the {@link RoleDirectory} snapshot (never an HSM search per request). An unknown,
 * expired or revoked role, and any account or engineer that is not well-formed, all give the same empty answer,
 * so the caller cannot tell them apart. Rendered bytes and their ETag are cached, keyed by role, document and the
 * exact list of published kids: a rotation or a revocation changes the key, so a stale entry is never served.
 *
 * <p>Thread-safe. {@link #find} throws {@link com.doit.idp.role.HsmException} when the directory is too stale to
 * answer (the caller answers 503 rather than a false 404).
 */
public final class PublicDocuments {
  /** What a minted token carries (SPEC.md "The minted token"). */
  public static final List<String> CLAIMS_SUPPORTED = List.of(
      "iss", "sub", "aud", "iat", "nbf", "exp", "jti", "email", "https://aws.amazon.com/source_identity");

  /** Which document. */
  public enum Kind { DISCOVERY, JWKS }

  /** A rendered document: its exact bytes and a strong ETag over them. Treat the array as read-only. */
  public record Document(byte[] body, String etag) {}

  private record CacheKey(RoleId role, Kind kind, List<String> kids) {}

  private final RoleDirectory directory;
  private final RoleNames names;
  private final Clock clock;
  private final Cache<CacheKey, Document> cache;

  public PublicDocuments(RoleDirectory directory, RoleNames names, Clock clock, long cacheSize) {
    this.directory = directory;
    this.names = names;
    this.clock = clock;
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** The document of the role {@code account/engineer} if that role is active now; empty for anything else. */
  public Optional<Document> find(String account, String engineer, Kind kind) {
    if (!RoleId.isAccount(account) || !RoleId.isEngineer(engineer)) return Optional.empty();
    RoleId id = new RoleId(account, engineer);
    Optional<SupportRole> role = directory.active(id);
    if (role.isEmpty()) return Optional.empty();
    Instant now = clock.instant();
    List<RoleKey> keys = role.get().publishedKeys(now);
    if (keys.isEmpty()) return Optional.empty();
    CacheKey key = new CacheKey(id, kind, keys.stream().map(RoleKey::kid).toList());
    return Optional.of(cache.get(key, k -> render(id, kind, keys)));
  }

  private Document render(RoleId id, Kind kind, List<RoleKey> keys) {
    Map<String, Object> doc = kind == Kind.DISCOVERY ? discovery(id, keys) : jwks(keys);
    byte[] body = JSONObjectUtils.toJSONString(doc).getBytes(StandardCharsets.UTF_8);
    return new Document(body, etag(body));
  }

  private Map<String, Object> discovery(RoleId id, List<RoleKey> keys) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("issuer", names.issuer(id));
    d.put("jwks_uri", names.jwksUri(id));
    d.put("response_types_supported", List.of("id_token"));
    d.put("subject_types_supported", List.of("public"));
    d.put("id_token_signing_alg_values_supported",
        keys.stream().map(k -> k.algorithm().name()).distinct().sorted().toList());
    d.put("claims_supported", CLAIMS_SUPPORTED);
    return d;
  }

  private static Map<String, Object> jwks(List<RoleKey> keys) {
    // toPublicJWK() again, although a RoleKey holds only public keys: a private member must never be published.
    List<Map<String, Object>> jwks = keys.stream().map(k -> k.publicJwk().toPublicJWK().toJSONObject()).toList();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("keys", jwks);
    return d;
  }

  /** A strong ETag: the SHA-256 of the exact bytes, base64url, quoted (RFC 9110 section 8.8.3). */
  static String etag(byte[] body) {
    try {
      return "\"" + Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(body)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
