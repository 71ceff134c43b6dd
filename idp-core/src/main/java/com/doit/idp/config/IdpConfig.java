package com.doit.idp.config;

import com.doit.idp.role.SigningAlgorithm;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    Aws aws,
    Log log,
    Hooks hooks) {

  /** {@code issuer.*}: how issuers, provider ARNs and customer role names are written. */
  public record Issuer(String baseUrl, String rolePrefix, String audience) {}

  /**
   * One HTTP listener; TLS when both PEM files are given. {@code proxyProtocol}: connections start with a PROXY
   * protocol (v1 or v2) header from a load balancer ({@code listen.<name>.proxy-protocol}).
   */
  public record Listener(HostPort address, Optional<Path> tlsCert, Optional<Path> tlsKey, boolean proxyProtocol) {
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
      Duration maxAge,
      EngineerIdForm engineerId,
      Map<String, String> requiredClaims) {

    /**
     * Why no SSO email can give this engineer id under these settings, or empty when one can: with
     * {@code local-part} an id has no {@code @}; with {@code email} it is an address in one of {@code allowedDomains}.
     * A role for any other id is one no engineer can use. The id's own form is {@code RoleId}'s to check.
     */
    public Optional<String> engineerIdProblem(String engineer) {
      int at = engineer.indexOf('@');
      if (engineerId == EngineerIdForm.LOCAL_PART) {
        return at < 0 ? Optional.empty() : Optional.of("with sso.engineer-id = local-part an engineer id has no '@'");
      }
      if (at <= 0 || at != engineer.lastIndexOf('@')) {
        return Optional.of("with sso.engineer-id = email an engineer id is a whole email address");
      }
      return allowedDomains.contains(engineer.substring(at + 1)) ? Optional.empty()
          : Optional.of("the engineer id's domain is not one of sso.allowed-domains");
    }
  }

  /**
   * {@code sso.engineer-id}: how an SSO email becomes an engineer id. {@code LOCAL_PART} (one allowed domain only):
   * the lower-cased local part; {@code EMAIL}: the whole lower-cased address.
   */
  public enum EngineerIdForm {
    LOCAL_PART, EMAIL
  }

  public record Tokens(Duration lifetime, SigningAlgorithm algorithm) {}

  public record Roles(Duration defaultTtl, Duration maxTtl, Duration cacheTtl, int maxActive) {}

  /**
   * {@code http.*}. {@code maxConnections} is per listener; {@code bodyTimeout} bounds the time to receive a whole
   * request body; {@code trustedProxies} are the peers whose {@code X-Forwarded-For} names the client;
   * {@code shutdownDelay} is how long {@code /readyz} says 503 on SIGTERM before the listeners drain.
   */
  public record Http(
      Duration jwksMaxAge,
      long maxBody,
      RateLimit rateLimit,
      int maxConnections,
      Duration bodyTimeout,
      List<Cidr> trustedProxies,
      Duration shutdownDelay) {}

  /** {@code audit.file}: a path, or {@code -} for standard output. */
  public record Audit(Path file) {}

  /**
   * {@code admin.*}: the admin API's bearer token, or empty when the admin API is off; {@code allowPlainHttp}
   * allows a non-loopback management listener without TLS.
   */
  public record Admin(Optional<Secret> token, boolean allowPlainHttp) {}

  /**
   * {@code log.*}: the server log's format, and levels by logger name ({@code ROOT} for the root logger) over the
   * defaults; empty when {@code log.levels} is not set.
   */
  public record Log(LogFormat format, Map<String, LogLevel> levels) {}

  public enum LogFormat {
    TEXT, JSON
  }

  /** {@code log.levels}' levels; {@code OFF} silences a logger. */
  public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, OFF
  }

  /**
   * {@code hooks.*}: the CloudFormation hook receiver ({@code POST /hooks/cloudformation}); off while
   * {@code snsTopicArns} is empty. {@code snsCertHosts} are host patterns ({@code *} matches one DNS label) from
   * which SNS signing certificates may be fetched; {@code trustStore} empty means the JDK's CAs.
   */
  public record Hooks(
      List<String> snsTopicArns,
      Duration maxAge,
      List<String> snsCertHosts,
      Optional<Path> trustStore,
      boolean allowLoopbackResponseUrl) {
    public boolean enabled() {
      return !snsTopicArns.isEmpty();
    }
  }

  /** {@code aws.*}: the management role in customers' accounts, and endpoint overrides for tests. */
  public record Aws(
      String managementRoleName,
      String region,
      Optional<URI> iamEndpoint,
      Optional<URI> stsEndpoint,
      List<String> oidcThumbprints,
      Optional<Secret> externalIdSecret) {}
}
