package com.doit.idp.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Part 1, the limit: raw signatures per second through the JDK's SunPKCS11 provider on the benchmark's token,
 * with token keys of the server's key types (RSA-2048 for RS256, P-256 for ES256), on 1 and 2 threads. Runs in its
 * own JVM (started by {@link Bench}) so that nothing else shares the process or its PKCS#11 module.
 *
 * <p>Usage: {@code RawSign SUNPKCS11_CONFIG SECONDS ROUNDS THREADS...}, PIN in {@code IDP_HSM_PIN}. Prints one line
 * per round: {@code RESULT alg=RS256 threads=2 round=1 ops=N seconds=S cpu_ms=C}.
 */
public final class RawSign {
  private RawSign() {}

  /** What is signed: the size of a typical JWS signing input (header and claims, base64url), about 420 bytes. */
  static final byte[] INPUT = "x".repeat(420).getBytes(StandardCharsets.US_ASCII);

  public static void main(String[] args) throws Exception {
    String config = args[0];
    double seconds = Double.parseDouble(args[1]);
    int rounds = Integer.parseInt(args[2]);
    Provider p = Security.getProvider("SunPKCS11").configure(config);
    Security.addProvider(p);
    String pin = System.getenv("IDP_HSM_PIN");
    if (pin == null) throw new IllegalStateException("IDP_HSM_PIN is not set");
    KeyStore ks = KeyStore.getInstance("PKCS11", p);
    ks.load(null, pin.toCharArray()); // logs the provider in to the token

    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA", p);
    rsa.initialize(2048);
    KeyPair rsaKey = rsa.generateKeyPair();
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC", p);
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ecKey = ec.generateKeyPair();

    for (String alg : List.of("RS256", "ES256")) {
      PrivateKey key = alg.equals("RS256") ? rsaKey.getPrivate() : ecKey.getPrivate();
      String jca = alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSA";
      measure(p, jca, key, 2, Math.min(1.0, seconds)); // warm-up: JIT and the provider's session pool
      for (int i = 3; i < args.length; i++) {
        int threads = Integer.parseInt(args[i]);
        for (int round = 1; round <= rounds; round++) {
          long cpu0 = processCpuNanos();
          long ops = measure(p, jca, key, threads, seconds);
          double cpuMs = (processCpuNanos() - cpu0) / 1e6;
          System.out.printf("RESULT alg=%s threads=%d round=%d ops=%d seconds=%.3f cpu_ms=%.1f%n", alg, threads, round,
              ops, seconds, cpuMs);
        }
      }
    }
    System.out.flush();
  }

  /**
   * CPU time this process has used (all threads, user and system; the PKCS#11 module runs in it), so a signature's
   * CPU cost can be compared with a token's whatever else the machine runs.
   */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** One signature, made again and again by one thread. */
  interface SignOnce {
    void sign() throws Exception;
  }

  /** Sets up one thread's signer (inside that thread). */
  interface SignerSetup {
    SignOnce open() throws Exception;
  }

  /** Signs from {@code threads} threads for {@code seconds}; returns how many signatures were made. */
  static long measure(Provider p, String jca, PrivateKey key, int threads, double seconds) throws Exception {
    return run(threads, seconds, () -> {
      Signature s = Signature.getInstance(jca, p);
      s.initSign(key); // sign() leaves the Signature ready for the next message
      return () -> {
        s.update(INPUT);
        s.sign();
      };
    });
  }

  /** Runs {@code threads} signing loops for {@code seconds}; returns how many signatures they made in that time. */
  static long run(int threads, double seconds, SignerSetup setup) throws Exception {
    LongAdder count = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          SignOnce once = setup.open();
          while (!stop.get()) {
            once.sign();
            count.increment();
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      ts.add(th);
    }
    ts.forEach(Thread::start);
    Thread.sleep((long) (seconds * 1000));
    long made = count.sum();
    stop.set(true);
    for (Thread th : ts) th.join();
    if (!failures.isEmpty()) throw new IllegalStateException("signing failed", failures.get(0));
    return made;
  }
}
