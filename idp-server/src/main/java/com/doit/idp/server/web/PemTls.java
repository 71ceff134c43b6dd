package com.doit.idp.server.web;

import com.doit.idp.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Builds a server {@link SSLContext} from PEM files: a certificate chain (leaf first) and an unencrypted private key
 * in PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE
 * KEY}) form. Errors name the configuration key and the file, never key material. Stateless.
 */
public final class PemTls {
  private PemTls() {}

  /** @throws ConfigException when a file cannot be read or parsed; {@code key} names the listener's config key */
  public static SSLContext serverContext(String key, Path certFile, Path keyFile) {
    Certificate[] chain;
    try (InputStream in = Files.newInputStream(certFile)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) throw new ConfigException(key + ".tls-cert: no certificate in " + certFile);
      chain = certs.toArray(new Certificate[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(key + ".tls-cert: cannot read a PEM certificate from " + certFile);
    }
    PrivateKey privateKey = readKey(key, keyFile);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] none = new char[0];
      ks.setKeyEntry("server", privateKey, none, chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException(key + ".tls-key: the key does not fit the certificate or cannot be used ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  private static PrivateKey readKey(String key, Path keyFile) {
    try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
        if (o instanceof PEMKeyPair pair) return converter.getKeyPair(pair).getPrivate();
      }
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(key + ".tls-key: cannot read a PEM private key from " + keyFile);
    }
    throw new ConfigException(key + ".tls-key: no unencrypted private key in " + keyFile);
  }
}
