package com.doit.idp.server.hook;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A local Amazon SNS for tests, on a loopback port: its own CA and an intermediate (trusted by the server through
 * the test trust store, {@code hooks.trust-store}), a signing certificate for {@code sns.amazonaws.com} served at
 * {@code /SimpleNotificationService-<id>.pem} with its chain, messages signed exactly as SNS signs them (versions 1
 * and 2, the documented canonical string), subscription confirmation at {@code /?Action=ConfirmSubscription}, and
 * delivery over HTTP with SNS's retries. It counts every request it receives, so a test can prove that a refused
 * message caused no outbound call. Thread-safe; close it after the test.
 */
final class SnsStandIn implements AutoCloseable {
  /** An SNS message as SNS posts it: a JSON object of strings, in SNS's order. */
  static final class Message {
    final Map<String, String> fields = new LinkedHashMap<>();

    Message set(String name, String value) {
      if (value == null) fields.remove(name);
      else fields.put(name, value);
      return this;
    }

    String get(String name) {
      return fields.get(name);
    }

    String json() {
      return JSONObjectUtils.toJSONString(new LinkedHashMap<>(fields));
    }
  }

  private final HttpServer server;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Instant from;
  private final Instant to;
  private volatile X509Certificate intermediate;
  private volatile KeyPair signingKeys;
  private volatile X509Certificate signing;
  private volatile String certPath = newCertPath();
  private final AtomicInteger certFetches = new AtomicInteger();
  private final List<String> confirmations = Collections.synchronizedList(new ArrayList<>());
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** @param validAround certificates are valid from a year before to a year after this instant and now */
  SnsStandIn(Instant validAround) throws Exception {
    Instant now = Instant.now();
    from = (validAround.isBefore(now) ? validAround : now).minus(365, ChronoUnit.DAYS);
    to = (validAround.isAfter(now) ? validAround : now).plus(365, ChronoUnit.DAYS);
    caKeys = rsa();
    ca = certificate("CN=SNS stand-in root CA", caKeys, "CN=SNS stand-in root CA", caKeys.getPrivate(), true, null, from, to);
    KeyPair intermediateKeys = rsa();
    intermediate = certificate("CN=SNS stand-in intermediate CA", intermediateKeys, "CN=SNS stand-in root CA",
        caKeys.getPrivate(), true, null, from, to);
    signingKeys = rsa();
    signing = certificate("CN=sns.amazonaws.com", signingKeys, "CN=SNS stand-in intermediate CA",
        intermediateKeys.getPrivate(), false, "sns.amazonaws.com", from, to);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  private static String newCertPath() {
    return "/SimpleNotificationService-" + UUID.randomUUID().toString().replace("-", "") + ".pem";
  }

  /**
   * From now on signs with a new certificate at a new URL on the same host: issued by a CA of its own that nobody
   * trusts ({@code trusted} false), or by our CA but named {@code cn}, or valid only until {@code until}. What a
   * stranger who got hold of an SNS host name, or a careless CA, would serve.
   */
  synchronized void newSigner(boolean trusted, String cn, Instant until) throws Exception {
    KeyPair issuerKeys = trusted ? caKeys : rsa();
    String issuer = trusted ? "CN=SNS stand-in root CA" : "CN=Self-made root CA";
    KeyPair keys = rsa();
    signing = certificate("CN=" + cn, keys, issuer, issuerKeys.getPrivate(), false, cn, from, until);
    signingKeys = keys;
    intermediate = trusted ? ca : certificate(issuer, issuerKeys, issuer, issuerKeys.getPrivate(), true, null, from, to);
    certPath = newCertPath();
  }

  /** The key SNS signs with: for tests that sign with another algorithm on purpose. */
  PrivateKey signingKey() {
    return signingKeys.getPrivate();
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /** A certificate; {@code dns} its SAN. A self-made CA, as a stranger could make one, uses the same method. */
  static X509Certificate certificate(String subject, KeyPair keys, String issuer, PrivateKey issuerKey, boolean ca,
      String dns, Instant from, Instant to) throws Exception {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
        BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(to), new X500Name(subject), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
    if (dns != null) b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, dns)));
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
  }

  static String pem(X509Certificate... certs) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      for (X509Certificate c : certs) p.writeObject(c);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return w.toString();
  }

  /** Writes the stand-in's root CA to {@code file}: the server's {@code hooks.trust-store}. */
  Path writeTrustStore(Path file) throws IOException {
    Files.writeString(file, pem(ca));
    return file;
  }

  KeyPair caKeys() {
    return caKeys;
  }

  /** {@code 127.0.0.1:<port>}: the server's {@code hooks.sns-cert-hosts}. */
  String certHost() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  String base() {
    return "http://" + certHost();
  }

  String certUrl() {
    return base() + certPath;
  }

  int certFetches() {
    return certFetches.get();
  }

  List<String> confirmations() {
    return List.copyOf(confirmations);
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      byte[] body;
      int status = 200;
      if (path.equals(certPath)) {
        certFetches.incrementAndGet();
        body = pem(signing, intermediate).getBytes(StandardCharsets.US_ASCII);
      } else if ("/".equals(path) && ex.getRequestURI().getRawQuery() != null
          && ex.getRequestURI().getRawQuery().startsWith("Action=ConfirmSubscription")) {
        confirmations.add(ex.getRequestURI().getRawQuery());
        body = "<ConfirmSubscriptionResponse/>".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 404;
        body = "<Error/>".getBytes(StandardCharsets.UTF_8);
      }
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** An unsigned notification of {@code topic} carrying {@code message}, sent at {@code at}. */
  Message notification(String topic, String message, Instant at) {
    return new Message().set("Type", "Notification").set("MessageId", UUID.randomUUID().toString())
        .set("TopicArn", topic).set("Subject", "AWS CloudFormation custom resource request").set("Message", message)
        .set("Timestamp", at.truncatedTo(ChronoUnit.MILLIS).toString()).set("SignatureVersion", "1")
        .set("SigningCertURL", certUrl())
        .set("UnsubscribeURL", base() + "/?Action=Unsubscribe&SubscriptionArn=" + topic + ":sub");
  }

  /** An unsigned subscription confirmation for {@code topic}. */
  Message subscriptionConfirmation(String topic, Instant at) {
    String token = "2336412f37fb687f5d51e6e2425" + UUID.randomUUID().toString().replace("-", "");
    return new Message().set("Type", "SubscriptionConfirmation").set("MessageId", UUID.randomUUID().toString())
        .set("Token", token).set("TopicArn", topic)
        .set("Message", "You have chosen to subscribe to the topic " + topic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.")
        .set("SubscribeURL", base() + "/?Action=ConfirmSubscription&TopicArn=" + URLEncoder.encode(topic, StandardCharsets.UTF_8) + "&Token=" + token)
        .set("Timestamp", at.truncatedTo(ChronoUnit.MILLIS).toString()).set("SignatureVersion", "1")
        .set("SigningCertURL", certUrl());
  }

  /** Signs {@code m} as SNS does with its {@code SignatureVersion} (1: SHA1withRSA, 2: SHA256withRSA). */
  Message sign(Message m) {
    return sign(m, m.get("SignatureVersion").equals("2") ? "SHA256withRSA" : "SHA1withRSA", signingKeys.getPrivate());
  }

  /** Signs {@code m} with another algorithm or key, for tests of what must be refused. */
  static Message sign(Message m, String algorithm, PrivateKey key) {
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(canonical(m).getBytes(StandardCharsets.UTF_8));
      return m.set("Signature", Base64.getEncoder().encodeToString(s.sign()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** SNS's string to sign, written apart from the server's: the fields each type signs, in order, when present. */
  static String canonical(Message m) {
    List<String> names = m.get("Type").equals("Notification")
        ? List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
        : List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      if (m.get(n) != null) b.append(n).append('\n').append(m.get(n)).append('\n');
    }
    return b.toString();
  }

  /**
   * Delivers {@code m} as SNS does: {@code POST} of the JSON as {@code text/plain; charset=UTF-8} with the
   * {@code x-amz-sns-*} headers, tried again after a non-2xx answer or no answer, up to {@code attempts} times.
   * Returns every answer, last one last (a failed connection is status 0).
   */
  List<HttpResponse<String>> deliver(URI endpoint, Message m, int attempts) {
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      HttpResponse<String> r = post(endpoint, m.json(), m);
      answers.add(r);
      if (r != null && r.statusCode() / 100 == 2) break;
    }
    return answers;
  }

  /** One delivery of a raw body, with SNS's headers for {@code m} (may be null). */
  HttpResponse<String> post(URI endpoint, String body, Message m) {
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "text/plain; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (m != null) {
      b.header("x-amz-sns-message-type", m.get("Type")).header("x-amz-sns-message-id", m.get("MessageId"))
          .header("x-amz-sns-topic-arn", m.get("TopicArn"));
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
