package com.doit.idp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.ConfigException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners serve HTTPS from PEM files (docs/HTTP-API.md "TLS"), behind a PROXY protocol header too. */
class TlsListenerTest {
  @TempDir Path dir;

  private static X509Certificate selfSigned(KeyPair pair, String sigAlg) throws Exception {
    X500Name name = new X500Name("CN=127.0.0.1");
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now), new Date(now - 60_000),
        new Date(now + 3_600_000), name, pair.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(sigAlg).build(pair.getPrivate())));
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  private HttpClient trusting(X509Certificate cert) throws Exception {
    return HttpClient.newBuilder().sslContext(trustingContext(cert)).build();
  }

  private void assertServesHttps(KeyPair pair, String sigAlg, String keyPem) throws Exception {
    X509Certificate cert = selfSigned(pair, sigAlg);
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, keyPem);
    try (TestServer t = TestServer.start(dir, Map.of("listen.public.tls-cert", certFile.toString(),
        "listen.public.tls-key", keyFile.toString()))) {
      assertEquals("https", t.server.url("public").getScheme());
      assertEquals("http", t.server.url("management").getScheme());
      t.createRole("123456789012", "alice");
      HttpResponse<String> r = trusting(cert).send(
          HttpRequest.newBuilder(t.url("public", "/123456789012/alice/jwks.json")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("\"keys\""));
    }
  }

  @Test
  void aListenerServesHttpsWithAnRsaKeyInPkcs1Pem() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    assertServesHttps(pair, "SHA256withRSA", pem(pair)); // JcaPEMWriter writes a key pair as BEGIN RSA PRIVATE KEY
  }

  @Test
  void aListenerServesHttpsWithAnEcKeyInPkcs8Pem() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    assertServesHttps(pair, "SHA256withECDSA", pem(new JcaPKCS8Generator(pair.getPrivate(), null).generate()));
  }

  @Test
  void aKeyFileWithoutAKeyStopsTheStartNamingTheKey() throws Exception {
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, "not a certificate");
    Files.writeString(keyFile, "not a key");
    ConfigException e = assertThrows(ConfigException.class, () -> TestServer.start(dir,
        Map.of("listen.token.tls-cert", certFile.toString(), "listen.token.tls-key", keyFile.toString())));
    assertTrue(e.getMessage().startsWith("listen.token.tls-cert"), e.getMessage());
  }

  @Test
  void aProxyProtocolHeaderComesBeforeTheTlsHandshake() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    X509Certificate cert = selfSigned(pair, "SHA256withECDSA");
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null).generate()));
    try (TestServer t = TestServer.start(dir, Map.of("listen.public.tls-cert", certFile.toString(),
        "listen.public.tls-key", keyFile.toString(), "listen.public.proxy-protocol", "true",
        "http.trusted-proxies", "127.0.0.1"))) {
      t.createRole("123456789012", "alice");
      int port = t.server.address("public").getPort();
      try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port)) {
        plain.setSoTimeout(10_000);
        // the balancer's header first, in clear, then the client's TLS
        plain.getOutputStream().write("PROXY TCP4 203.0.113.9 127.0.0.1 4711 443\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        plain.getOutputStream().flush();
        try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trustingContext(cert).getSocketFactory()
            .createSocket(plain, "127.0.0.1", port, false)) {
          tls.getOutputStream().write(("GET /123456789012/alice/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          tls.getOutputStream().flush();
          String answer = new String(tls.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
          assertTrue(answer.contains("\"keys\""), answer);
        }
      }
      // closed connections are counted out (or the connection limit would fill up with ghosts)
      double open = -1;
      for (int i = 0; i < 100 && open != 0; i++) {
        open = t.server.meterRegistry().get("idp.http.connections.open").tag("listener", "public").gauge().value();
        if (open != 0) Thread.sleep(50);
      }
      assertEquals(0, open, "open connections after the TLS connection closed");
    }
  }

  private static SSLContext trustingContext(X509Certificate cert) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("server", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
