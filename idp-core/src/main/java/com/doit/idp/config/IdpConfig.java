package com.doit.idp.config;

import com.doit.idp.role.SigningAlgorithm;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration, typed and validated (see {@link ConfigLoader} and docs/CONFIGURATION.md). Immutable;
 * the PIN and the admin token are {@link Secret}s that never print.
 *
 * @param dev true under {@code --dev}: loopback HTTP issuers are allowed and a development SSO issuer may stand in
 */
public record IdpConfig(
    boolean dev,
    Issuer issuer,
    Listen listen,
    Hsm hsm,
    Sso sso,
    Tokens tokens,
    Roles roles,
    Http http,
    Audit audit,
    Admin admin,
    Aws aws) {

  /** {@code issuer.*}: how issuers, provider ARNs and customer role names are written. */
  public record Issuer(String baseUrl, String rolePrefix, String audience) {}

  /** One HTTP listener; TLS when both PEM files are given. */
  public record Listener(HostPort address, Optional<Path> tlsCert, Optional<Path> tlsKey) {
    public boolean tls() {
      return tlsCert.isPresent();
    }
  }

  public record Listen(Listener publicListener, Listener token, Listener management) {}

  /** {@code hsm.*}. The PIN came from {@code IDP_HSM_PIN} or {@code hsm.pin-file}. */
  public record Hsm(Path library, String tokenLabel, Secret pin, int sessions) {}

  /**
   * {@code sso.*}. {@code issuer} is empty only under {@code --dev}, where the development SSO issuer stands in.
   */
  public record Sso(
      Optional<URI> issuer,
      List<String> audiences,
      List<String> allowedDomains,
      boolean requireEmailVerified,
      Duration maxAge) {}

  public record Tokens(Duration lifetime, SigningAlgorithm algorithm) {}

  public record Roles(Duration defaultTtl, Duration maxTtl, Duration cacheTtl, int maxActive) {}

  public record Http(Duration jwksMaxAge, long maxBody, RateLimit rateLimit) {}

  public record Audit(Path file) {}

  /** {@code admin.*}: the admin API's bearer token, or empty when the admin API is off. */
  public record Admin(Optional<Secret> token) {}

  /** {@code aws.*}: the management role in customers' accounts, and endpoint overrides for tests. */
  public record Aws(
      String managementRoleName,
      String region,
      Optional<URI> iamEndpoint,
      Optional<URI> stsEndpoint,
      List<String> oidcThumbprints) {}
}
