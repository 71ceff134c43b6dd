package com.doit.idp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.role.SigningAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  static final String PIN = "s3cret-pin-4711";
  @TempDir Path dir;

  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("IDP_HSM_PIN", PIN);
    env.put("PATH", "/usr/bin");
    return env;
  }

  Path file(String... lines) throws IOException {
    Path f = dir.resolve("idp.conf");
    Files.write(f, List.of(lines));
    return f;
  }

  Path minimal(String... extra) throws IOException {
    List<String> lines = new java.util.ArrayList<>(List.of(
        "hsm.token-label = idp", "sso.issuer = https://accounts.example.com # the company SSO",
        "sso.audiences = client-1, client-2", "sso.allowed-domains = Example.com"));
    lines.addAll(List.of(extra));
    return file(lines.toArray(String[]::new));
  }

  ConfigException refused(Path f) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(f), env(), false));
  }

  @Test
  void aMinimalFileGetsTheDefaultsOfTheSpec() throws IOException {
    IdpConfig c = ConfigLoader.load(Optional.of(minimal()), env(), false);
    assertEquals("https://oidc.aws-ops.doit-intl.com", c.issuer().baseUrl());
    assertEquals("DoiT-Support-", c.issuer().rolePrefix());
    assertEquals("sts.amazonaws.com", c.issuer().audience());
    assertEquals(new HostPort("0.0.0.0", 8080), c.listen().publicListener().address());
    assertEquals(new HostPort("127.0.0.1", 9090), c.listen().management().address());
    assertEquals(List.of("client-1", "client-2"), c.sso().audiences());
    assertEquals(List.of("example.com"), c.sso().allowedDomains());
    assertEquals(Duration.ofHours(1), c.sso().maxAge());
    assertEquals(Duration.ofSeconds(300), c.tokens().lifetime());
    assertEquals(SigningAlgorithm.RS256, c.tokens().algorithm());
    assertEquals(Duration.ofDays(30), c.roles().maxTtl());
    assertEquals(Duration.ofSeconds(30), c.roles().cacheTtl());
    assertEquals(3000, c.roles().maxActive());
    assertEquals(65536, c.http().maxBody());
    assertEquals(new RateLimit(60, Duration.ofMinutes(1)), c.http().rateLimit());
    assertEquals(8, c.hsm().sessions());
    assertTrue(c.admin().token().isEmpty());
  }

  @Test
  void environmentVariablesOverrideTheFile() throws IOException {
    Map<String, String> env = env();
    env.put("IDP_SSO_ALLOWED_DOMAINS", "doit.com,doit-intl.com");
    env.put("IDP_SSO_ENGINEER_ID", "email"); // several domains need whole-address engineer ids
    env.put("IDP_TOKENS_LIFETIME", "15m");
    IdpConfig c = ConfigLoader.load(Optional.of(minimal()), env, false);
    assertEquals(List.of("doit.com", "doit-intl.com"), c.sso().allowedDomains());
    assertEquals(Duration.ofMinutes(15), c.tokens().lifetime());
  }

  @Test
  void unknownKeysAndVariablesStopTheStartNamingThem() throws IOException {
    assertTrue(refused(minimal("sso.isuer = x")).getMessage().contains("sso.isuer"));
    Map<String, String> env = env();
    env.put("IDP_SSO_ISUER", "x");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(minimal()), env, false));
    assertTrue(e.getMessage().contains("IDP_SSO_ISUER"));
    assertTrue(refused(minimal("tokens.lifetime = 300s", "tokens.lifetime = 60s")).getMessage().contains("twice"));
    assertTrue(refused(file("this is not a setting")).getMessage().contains("key = value"));
  }

  @Test
  void invalidValuesAreRefusedNamingTheKey() throws IOException {
    Map<String, String> bad = Map.of(
        "tokens.lifetime", "3601s",
        "http.jwks-max-age", "0s",
        "roles.default-ttl", "31d",
        "tokens.algorithm", "HS256",
        "http.rate-limit", "many",
        "listen.public", "nowhere",
        "hsm.sessions", "0",
        "sso.issuer", "http://sso.example.com",
        "sso.allowed-domains", "not a domain",
        "roles.cache-ttl", "30 seconds");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      ConfigException ex = refused(minimal(e.getKey() + " = " + e.getValue()));
      assertTrue(ex.getMessage().startsWith(e.getKey() + ":") || ex.getMessage().contains(": " + e.getKey() + ":")
          || ex.getMessage().contains("roles.default-ttl"), ex.getMessage());
    }
  }

  @Test
  void outsideDevTheIssuerBaseMustBeHttpsWithoutPortQueryOrTrailingSlash() throws IOException {
    for (String base : List.of("http://oidc.example.com", "https://oidc.example.com:8443", "https://oidc.example.com/",
        "https://oidc.example.com?x=1", "https://" + "a".repeat(200) + ".com")) {
      assertTrue(refused(minimal("issuer.base-url = " + base)).getMessage().startsWith("issuer.base-url:"), base);
    }
    IdpConfig c = ConfigLoader.load(Optional.of(minimal("issuer.base-url = https://oidc.example.com/idp")), env(), false);
    assertEquals("https://oidc.example.com/idp", c.issuer().baseUrl());
  }

  @Test
  void devAllowsALoopbackHttpIssuerAndNoSsoIssuerButOnlyLoopbackListeners() throws IOException {
    Path f = file("hsm.token-label = dev", "sso.allowed-domains = example.com", "issuer.base-url = http://127.0.0.1:8080",
        "listen.public = 127.0.0.1:8080", "listen.token = 127.0.0.1:8081");
    IdpConfig c = ConfigLoader.load(Optional.of(f), env(), true);
    assertTrue(c.dev());
    assertTrue(c.sso().issuer().isEmpty());
    Path open = file("hsm.token-label = dev", "sso.allowed-domains = example.com", "issuer.base-url = http://127.0.0.1:8080");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(open), env(), true));
    assertTrue(e.getMessage().startsWith("listen.public:"));
  }

  @Test
  void thePinComesFromTheEnvironmentOrItsFileAndNeverPrints() throws IOException {
    IdpConfig c = ConfigLoader.load(Optional.of(minimal()), env(), false);
    assertFalse(c.toString().contains(PIN));
    assertEquals(PIN, new String(c.hsm().pin().reveal()));

    Path pinFile = dir.resolve("pin");
    Files.writeString(pinFile, "from-file-1234\n");
    Map<String, String> noPin = new HashMap<>(env());
    noPin.remove("IDP_HSM_PIN");
    IdpConfig fromFile = ConfigLoader.load(Optional.of(minimal("hsm.pin-file = " + pinFile)), noPin, false);
    assertEquals("from-file-1234", new String(fromFile.hsm().pin().reveal()));

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(minimal()), noPin, false));
    assertTrue(e.getMessage().contains("IDP_HSM_PIN"));
  }

  @Test
  void errorsNeverQuoteTheAdminTokenOrPin() throws IOException {
    Path token = dir.resolve("admin.token");
    Files.writeString(token, "short");
    Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    ConfigException e = refused(minimal("admin.token-file = " + token));
    assertTrue(e.getMessage().startsWith("admin.token-file:"));
    assertFalse(e.getMessage().contains("short"));
  }

  @Test
  void theAdminTokenIsComparedWholly() throws IOException {
    Path token = dir.resolve("admin.token");
    Files.writeString(token, "0123456789abcdef0123\n");
    Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    IdpConfig c = ConfigLoader.load(Optional.of(minimal("admin.token-file = " + token)), env(), false);
    Secret s = c.admin().token().orElseThrow();
    assertTrue(s.matches("0123456789abcdef0123".toCharArray()));
    assertFalse(s.matches("0123456789abcdef012".toCharArray()));
    assertFalse(s.matches("0123456789abcdef01234".toCharArray()));
    assertFalse(s.matches("".toCharArray()));
    assertFalse(s.matches(null));
    assertEquals("[redacted]", s.toString());
  }

  @Test
  void variableNamesFollowTheSpec() {
    assertEquals("IDP_SSO_ALLOWED_DOMAINS", ConfigLoader.variableOf("sso.allowed-domains"));
    assertEquals("IDP_LISTEN_PUBLIC_TLS_CERT", ConfigLoader.variableOf("listen.public.tls-cert"));
  }

  @Test
  void theKeysAddedForIdentityProxiesLogsAndHooksHaveTheDefaultsOfTheReference() throws IOException {
    IdpConfig c = ConfigLoader.load(Optional.of(minimal()), env(), false);
    assertEquals(IdpConfig.EngineerIdForm.LOCAL_PART, c.sso().engineerId());
    assertEquals(Map.of(), c.sso().requiredClaims());
    assertEquals(1000, c.http().maxConnections());
    assertEquals(Duration.ofSeconds(10), c.http().bodyTimeout());
    assertEquals(List.of(), c.http().trustedProxies());
    assertEquals(Duration.ofSeconds(5), c.http().shutdownDelay());
    assertFalse(c.listen().token().proxyProtocol());
    assertFalse(c.admin().allowPlainHttp());
    assertEquals(IdpConfig.LogFormat.TEXT, c.log().format());
    assertFalse(c.hooks().enabled());
    assertEquals(Duration.ofHours(1), c.hooks().maxAge());
    assertEquals(List.of("sns.*.amazonaws.com", "sns.*.amazonaws.com.cn"), c.hooks().snsCertHosts());
    assertTrue(c.aws().externalIdSecret().isEmpty());
  }

  @Test
  void theKeysAddedForIdentityProxiesLogsAndHooksAreParsedAndTyped() throws IOException {
    Path secret = dir.resolve("external-id.secret");
    Files.writeString(secret, "a-long-external-id-secret\n");
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    IdpConfig c = ConfigLoader.load(Optional.of(minimal(
        "sso.engineer-id = email", "sso.required-claims = hd=doit-intl.com, tenant = t-1",
        "http.max-connections = 200", "http.body-timeout = 5s", "http.trusted-proxies = 10.0.0.0/8, ::1",
        "http.shutdown-delay = 0s", "listen.public.proxy-protocol = true", "admin.allow-plain-http = true",
        "log.format = json", "hooks.sns-topic-arns = arn:aws:sns:us-east-1:462932234033:aws-ops-hook",
        "hooks.max-age = 15m", "hooks.sns-cert-hosts = 127.0.0.1:8443", "hooks.trust-store = " + ca,
        "hooks.allow-loopback-response-url = true", "aws.external-id-secret-file = " + secret)), env(), false);
    assertEquals(IdpConfig.EngineerIdForm.EMAIL, c.sso().engineerId());
    assertEquals(Map.of("hd", "doit-intl.com", "tenant", "t-1"), c.sso().requiredClaims());
    assertEquals(200, c.http().maxConnections());
    assertEquals(Duration.ofSeconds(5), c.http().bodyTimeout());
    assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128")), c.http().trustedProxies());
    assertEquals(Duration.ZERO, c.http().shutdownDelay());
    assertTrue(c.listen().publicListener().proxyProtocol());
    assertFalse(c.listen().token().proxyProtocol());
    assertTrue(c.admin().allowPlainHttp());
    assertEquals(IdpConfig.LogFormat.JSON, c.log().format());
    assertEquals(List.of("arn:aws:sns:us-east-1:462932234033:aws-ops-hook"), c.hooks().snsTopicArns());
    assertTrue(c.hooks().enabled());
    assertEquals(Duration.ofMinutes(15), c.hooks().maxAge());
    assertEquals(List.of("127.0.0.1:8443"), c.hooks().snsCertHosts());
    assertEquals(Optional.of(ca), c.hooks().trustStore());
    assertTrue(c.hooks().allowLoopbackResponseUrl());
    assertEquals("a-long-external-id-secret", new String(c.aws().externalIdSecret().get().reveal()));
  }

  @Test
  void malformedValuesOfTheAddedKeysAreRefusedNamingTheKey() throws IOException {
    for (String[] bad : new String[][] {
        {"sso.engineer-id = upn", "sso.engineer-id"},
        {"sso.required-claims = hd", "sso.required-claims"},
        {"sso.required-claims = hd=a, hd=b", "sso.required-claims"},
        {"http.max-connections = 0", "http.max-connections"},
        {"http.body-timeout = 0s", "http.body-timeout"},
        {"http.trusted-proxies = lb.example.com", "http.trusted-proxies"},
        {"http.trusted-proxies = 10.0.0.0/33", "http.trusted-proxies"},
        {"listen.token.proxy-protocol = yes", "listen.token.proxy-protocol"},
        {"log.format = xml", "log.format"},
        {"hooks.sns-topic-arns = arn:aws:sqs:us-east-1:462932234033:q", "hooks.sns-topic-arns"},
        {"hooks.sns-cert-hosts = https://sns.us-east-1.amazonaws.com", "hooks.sns-cert-hosts"},
        {"hooks.sns-cert-hosts = sns.us-east-1.amazonaws.com, 10.0.0.5:8443", "hooks.sns-cert-hosts"},
        {"hooks.trust-store = " + dir.resolve("no-such-ca.pem"), "hooks.trust-store"},
        {"aws.external-id-secret-file = " + dir.resolve("missing"), "aws.external-id-secret-file"}}) {
      ConfigException e = refused(minimal(bad[0]));
      assertTrue(e.getMessage().startsWith(bad[1] + ":"), bad[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void aProxyProtocolListenerNeedsTrustedProxies() throws IOException {
    ConfigException e = refused(minimal("listen.public.proxy-protocol = true"));
    assertTrue(e.getMessage().startsWith("listen.public.proxy-protocol: needs http.trusted-proxies"), e.getMessage());
    IdpConfig c = ConfigLoader.load(Optional.of(minimal("listen.public.proxy-protocol = true",
        "http.trusted-proxies = 10.0.0.0/8")), env(), false);
    assertTrue(c.listen().publicListener().proxyProtocol());
  }

  @Test
  void logLevelsNameLoggersAndLevelsInOrder() throws IOException {
    assertEquals(Map.of(), ConfigLoader.load(Optional.of(minimal()), env(), false).log().levels());
    IdpConfig c = ConfigLoader.load(Optional.of(minimal(
        "log.levels = com.doit.idp=debug, io.undertow = WARN, ROOT=error, org.xnio.nio.NioXnio$1=off")), env(), false);
    assertEquals(List.of("com.doit.idp", "io.undertow", "ROOT", "org.xnio.nio.NioXnio$1"),
        List.copyOf(c.log().levels().keySet()));
    assertEquals(List.of(IdpConfig.LogLevel.DEBUG, IdpConfig.LogLevel.WARN, IdpConfig.LogLevel.ERROR,
        IdpConfig.LogLevel.OFF), List.copyOf(c.log().levels().values()));
    for (String bad : List.of("log.levels = com.doit.idp", "log.levels = com.doit.idp=verbose",
        "log.levels = com..doit=info", "log.levels = a=info, a=warn", "log.levels = =info")) {
      ConfigException e = refused(minimal(bad));
      assertTrue(e.getMessage().startsWith("log.levels:"), bad + " -> " + e.getMessage());
    }
  }
}
