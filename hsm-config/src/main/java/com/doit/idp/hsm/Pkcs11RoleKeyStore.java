package com.doit.idp.hsm;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import iaik.pkcs.pkcs11.Session;
import iaik.pkcs.pkcs11.TokenException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * The role key store on a PKCS#11 token (SoftHSM2 in tests; AWS CloudHSM, YubiHSM 2, Thales Luna in production, see
 * {@code hsm-config/templates/}).
 *
 * <h2>Objects</h2>
 * A role key is a key pair generated inside the token in one {@code C_GenerateKeyPair} call, so it appears atomically:
 * RSA-2048 (e = 65537) for RS256, EC P-256 for ES256. The private half is {@code CKA_TOKEN}, {@code CKA_PRIVATE},
 * {@code CKA_SENSITIVE}, not {@code CKA_EXTRACTABLE}, sign-only (SPEC.md: nothing can read it out). Both halves carry
 * the same {@code CKA_LABEL} ({@link KeyMetadata#toLabel()}) and the same random 16-byte {@code CKA_ID}; the
 * {@link RoleKey#ref()} is the hex of that id.
 *
 * <h2>The public half is the record</h2>
 * {@link #list()} reads the metadata from the public key's label only, and finds the private key by {@code CKA_ID}
 * only. So {@link #relabel} writes the public half first: if it stops after that, every reader already sees the new
 * metadata and the private half merely shows a stale label to someone browsing the token (the relabel counts as
 * done); if the first write fails, nothing changed. {@link #delete} destroys the private half first: if it stops
 * after that, no signing key is left, and {@code list()} skips the lonely public half (retrying the delete removes
 * it). Pairs that lack a half are never listed, and never touched unless a delete names their ref.
 *
 * <h2>Why not the JDK's SunPKCS11 KeyStore</h2>
 * It exposes a private key only when a certificate sits next to it (we have none, and minting self-signed
 * certificates just to be listed would be noise on the token), and it loads by scanning every object of the token
 * on {@code KeyStore.load}, with no way to refresh part of it. This class talks PKCS#11 directly: the xipki IAIK
 * wrapper for the library, slots and sessions, and the JDK's native functions for the few calls whose exact template
 * matters (generation, search, batched attribute reads), so that one listing costs one search per object class and
 * one {@code C_GetAttributeValue} per object.
 *
 * <h2>Cost</h2>
 * {@code list()} is two full token scans (SoftHSM2 has no index on labels): call it on a schedule
 * ({@code RoleDirectory}) or for an operator command, never per request. It also refreshes the cache of object
 * handles by ref, so {@link #signer}, {@link #relabel} and {@link #delete} do not search; only a ref this store has
 * never seen (a key created by another replica since our last listing) costs one search by {@code CKA_ID}.
 *
 * <h2>Concurrency and faults</h2>
 * Thread-safe. Every call borrows a session from a {@link SessionPool} of {@code hsm.sessions} sessions, waiting at
 * most the borrow timeout and then failing with {@link HsmException} {@code "hsm busy"}. When a call fails with a
 * return code that means the device, the token or the sessions are gone ({@code CKR_DEVICE_ERROR},
 * {@code CKR_DEVICE_REMOVED}, {@code CKR_TOKEN_NOT_PRESENT}, {@code CKR_SESSION_HANDLE_INVALID},
 * {@code CKR_CRYPTOKI_NOT_INITIALIZED}, {@code CKR_GENERAL_ERROR}, {@code CKR_USER_NOT_LOGGED_IN}, ...), the store
 * marks itself down ({@link #isUp()}), drops the pool, and the next call reconnects: {@code C_Finalize},
 * {@code C_Initialize}, find the token by label, log in, open the sessions, list to refresh the handles. Failed
 * reconnects back off exponentially (so a dead HSM is not hammered); within the backoff, and while another thread
 * reconnects, calls fail at once ({@code "hsm down (...)"}). A PIN the token refuses is never retried, since retries
 * would lock the user PIN: fix it and restart.
 *
 * <p>An outage must never read as "no keys" or "already deleted": SoftHSM2, for one, answers searches on a token
 * whose storage vanished with an empty result and object handles with {@code CKR_OBJECT_HANDLE_INVALID}. So a listing
 * asks for the token info before and after its scans, and an invalid handle counts as "deleted elsewhere" only
 * while the token still answers.
 *
 * <p>Every method throws {@link HsmException} whose message names the operation and the PKCS#11 return code, never
 * the PIN.
 */
public final class Pkcs11RoleKeyStore implements RoleKeyStore {
  private static final Logger LOG = LoggerFactory.getLogger(Pkcs11RoleKeyStore.class);

  /** How long a caller waits for a free session before "hsm busy". */
  public static final Duration DEFAULT_BORROW_TIMEOUT = Duration.ofSeconds(2);
  /** The first wait after a failed reconnect; it doubles up to {@link #DEFAULT_MAX_BACKOFF}. */
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(500);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

  // DER of the OID 1.2.840.10045.3.1.7 (secp256r1, "P-256"), as CKA_EC_PARAMS wants it.
  private static final byte[] P256_PARAMS = HexFormat.of().parseHex("06082a8648ce3d030107");
  private static final byte[] F4 = {1, 0, 1};
  private static final int FIND_BATCH = 256;

  private final IdpConfig.Hsm config;
  private final Pkcs11Library library;
  private final Clock clock;
  private final Duration borrowTimeout;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final SecureRandom random = new SecureRandom();
  // Held briefly, for the fields below. Never held while waiting for the HSM or for the library's lock.
  private final Object stateLock = new Object();
  // Held by the one thread that reconnects; others fail fast instead of queueing behind a slow or hung HSM.
  private final ReentrantLock reconnectLock = new ReentrantLock();
  // "ref alg" -> public JWK; refs are random and never reused, so this survives reconnects.
  private final Map<String, JWK> publicJwks = new ConcurrentHashMap<>();

  private volatile Connection current;
  private volatile boolean closed;
  // Guarded by stateLock.
  private boolean attempted;
  private long failedGeneration = -1;
  private Instant nextAttempt = Instant.MIN;
  private Duration backoff;
  private String lastError = "not connected yet";
  private String permanentError;

  /** A store with the default timeouts and the system clock. See {@link #Pkcs11RoleKeyStore(IdpConfig.Hsm, Clock, Duration, Duration, Duration)}. */
  public Pkcs11RoleKeyStore(IdpConfig.Hsm config) {
    this(config, Clock.systemUTC(), DEFAULT_BORROW_TIMEOUT, DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF);
  }

  /**
   * Loads the library and tries to connect. A token that does not answer yet is not an error here: the store starts
   * down and connects on a later call. Throws {@link HsmException} when the library cannot be loaded at all.
   *
   * @param clock decides when the reconnect backoff has passed (tests inject one instead of sleeping)
   * @param borrowTimeout the longest a call waits for a free session
   * @param minBackoff the wait after the first failed reconnect; doubles up to {@code maxBackoff}
   */
  public Pkcs11RoleKeyStore(
      IdpConfig.Hsm config, Clock clock, Duration borrowTimeout, Duration minBackoff, Duration maxBackoff) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.borrowTimeout = Objects.requireNonNull(borrowTimeout, "borrowTimeout");
    this.minBackoff = Objects.requireNonNull(minBackoff, "minBackoff");
    this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
    this.backoff = minBackoff;
    this.library = Pkcs11Library.get(config.library());
    try {
      connection();
    } catch (HsmException e) {
      LOG.warn("hsm.connect failed, store starts down: {}", e.getMessage());
    }
  }

  /** True while the store holds live sessions; false from a device-level failure until a reconnect succeeds. */
  public boolean isUp() {
    return current != null && !closed;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // RoleKeyStore

  @Override
  public RoleKey generate(KeyMetadata metadata) {
    Objects.requireNonNull(metadata, "metadata");
    byte[] id = new byte[16];
    random.nextBytes(id);
    String label = metadata.toLabel();
    return call("generate", (c, s) -> {
      PKCS11 p = library.pkcs11();
      KeyPairTemplate t = KeyPairTemplate.of(metadata.algorithm(), true, label, id);
      long[] handles = p.C_GenerateKeyPair(s.getSessionHandle(), t.mechanism(), t.publicKey(), t.privateKey());
      Handles h = new Handles(handles[0], handles[1]);
      Optional<JWK> read;
      try {
        read = readPublicJwk(p, s.getSessionHandle(), h.pub, metadata.algorithm());
      } catch (PKCS11Exception e) {
        discard(p, s.getSessionHandle(), h);
        throw e;
      }
      if (read.isEmpty()) {
        discard(p, s.getSessionHandle(), h);
        throw new HsmException("generate: the token returned an unreadable public key");
      }
      JWK jwk = read.get();
      String ref = HexFormat.of().formatHex(id);
      c.handles.put(ref, h);
      return new RoleKey(ref, jwk.getKeyID(), jwk, metadata);
    });
  }

  @Override
  public List<RoleKey> list() {
    return call("list", (c, s) -> {
      PKCS11 p = library.pkcs11();
      long sh = s.getSessionHandle();
      // SoftHSM2 answers a search on a token whose storage vanished with an empty result, not an error; asking for
      // the token info first and last turns "the HSM is gone" into a failure instead of "every role is gone".
      confirmToken(p, c);
      // The private halves, by id. Their labels are not read: the public half is the record (see class javadoc).
      Map<String, Long> privates = new HashMap<>();
      for (long h : find(p, sh, PKCS11Constants.CKO_PRIVATE_KEY, null)) {
        Optional<byte[]> id = readId(p, sh, h);
        id.ifPresent(bytes -> privates.put(HexFormat.of().formatHex(bytes), h));
      }
      List<RoleKey> keys = new ArrayList<>();
      Map<String, Handles> seen = new HashMap<>();
      for (long h : find(p, sh, PKCS11Constants.CKO_PUBLIC_KEY, null)) {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL), new CK_ATTRIBUTE(PKCS11Constants.CKA_ID)};
        try {
          p.C_GetAttributeValue(sh, h, a);
        } catch (PKCS11Exception e) {
          if (Pkcs11Errors.isGone(e)) throw e;
          continue; // a foreign object without a label or id
        }
        char[] labelChars = chars(a[0]);
        byte[] id = bytes(a[1]);
        if (labelChars == null || id == null) continue;
        Optional<KeyMetadata> meta = KeyMetadata.parseLabel(new String(labelChars));
        if (meta.isEmpty()) continue;
        String ref = HexFormat.of().formatHex(id);
        Long priv = privates.get(ref);
        if (priv == null) continue; // half a pair: being written by someone else, or a delete that stopped midway
        // A key's public material never changes, so each key is read once per store, not on every listing: that
        // halves the calls of a listing at a few thousand keys.
        String jwkKey = ref + " " + meta.get().algorithm();
        Optional<JWK> jwk = Optional.ofNullable(publicJwks.get(jwkKey));
        if (jwk.isEmpty()) {
          jwk = readPublicJwk(p, sh, h, meta.get().algorithm());
          jwk.ifPresent(j -> publicJwks.put(jwkKey, j));
        }
        if (jwk.isEmpty()) {
          LOG.debug("hsm.list skipped ref={}: key type does not match its label", ref);
          continue;
        }
        Handles handles = new Handles(h, priv);
        seen.put(ref, handles);
        keys.add(new RoleKey(ref, jwk.get().getKeyID(), jwk.get(), meta.get()));
      }
      confirmToken(p, c);
      publicJwks.keySet().removeIf(k -> !seen.containsKey(k.substring(0, k.indexOf(' '))));
      c.handles.keySet().retainAll(seen.keySet());
      c.handles.putAll(seen);
      return keys;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes the public half's label, then the private half's. The public half is the record ({@link #list()} reads
   * the metadata there only), so once its write succeeds the relabel is complete for every reader and this returns
   * normally even if the private half's write then fails: that half merely shows a stale label to someone browsing
   * the token (logged), and the next relabel rewrites it. Reporting a failure there would make callers undo a change
   * that every replica already sees. If the public write fails, nothing changed and this throws.
   *
   * @throws IllegalArgumentException when {@code metadata} names another algorithm than the key's
   */
  @Override
  public RoleKey relabel(RoleKey key, KeyMetadata metadata) {
    Objects.requireNonNull(metadata, "metadata");
    if (metadata.algorithm() != key.algorithm()) throw new IllegalArgumentException("relabel cannot change a key's algorithm");
    char[] label = metadata.toLabel().toCharArray();
    return call("relabel", (c, s) -> {
      PKCS11 p = library.pkcs11();
      Handles h = handles(c, p, s, key.ref());
      if (h == null || !h.complete()) throw new HsmException("relabel: no such key " + key.kid());
      // Public first: it is the record (see above).
      try {
        p.C_SetAttributeValue(s.getSessionHandle(), h.pub, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label)});
      } catch (PKCS11Exception e) {
        if (!isHandleInvalid(e)) throw e;
        confirmToken(p, c);
        c.handles.remove(key.ref());
        throw new HsmException("relabel: no such key " + key.kid());
      }
      try {
        p.C_SetAttributeValue(s.getSessionHandle(), h.priv, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label)});
      } catch (PKCS11Exception e) {
        // If the device went away, the next call finds out and marks the store down.
        LOG.warn("hsm.relabel kid={}: the private half kept its old label ({}); the public half is the record",
            key.kid(), Pkcs11Errors.name(e.getErrorCode()));
      }
      return key.withMetadata(metadata);
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Destroys the private half first: once it is gone nothing can sign with the key and {@link #list()} no longer
   * reports it. If destroying the public half then fails, this throws; the lonely public half is never listed, and
   * retrying the delete (it is idempotent) removes it.
   */
  @Override
  public void delete(RoleKey key) {
    call("delete", (c, s) -> {
      PKCS11 p = library.pkcs11();
      Handles h = handles(c, p, s, key.ref());
      if (h == null) return null;
      c.handles.remove(key.ref());
      // Private first: once it is gone nothing can sign, and a lonely public half is never listed.
      destroyIfPresent(p, c, s.getSessionHandle(), h.priv);
      destroyIfPresent(p, c, s.getSessionHandle(), h.pub);
      return null;
    });
  }

  @Override
  public JWSSigner signer(RoleKey key) {
    return new Pkcs11JwsSigner(this, key);
  }

  @Override
  public void ping() {
    call("ping", (c, s) -> {
      // Session info proves the library and the session answer; token info makes the library look at the token
      // (for SoftHSM2, the token directory), which is what goes away in an outage.
      PKCS11 p = library.pkcs11();
      p.C_GetSessionInfo(s.getSessionHandle());
      p.C_GetTokenInfo(c.pool.slotId());
      return null;
    });
  }

  /** Closes the sessions. Later calls throw {@link HsmException}. Idempotent. */
  @Override
  public void close() {
    Connection c;
    synchronized (stateLock) {
      closed = true;
      c = current;
      current = null;
    }
    if (c != null) c.pool.close();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Signing, for Pkcs11JwsSigner

  /** Signs {@code data} with the key's private half using {@code mechanism}; the raw PKCS#11 signature. */
  byte[] sign(RoleKey key, long mechanism, byte[] data) {
    return call("sign", (c, s) -> {
      PKCS11 p = library.pkcs11();
      Handles h = handles(c, p, s, key.ref());
      if (h == null || !h.complete()) throw new HsmException("sign: no such key " + key.kid());
      try {
        p.C_SignInit(s.getSessionHandle(), new CK_MECHANISM(mechanism), h.priv);
      } catch (PKCS11Exception e) {
        if (isHandleInvalid(e)) {
          // Deleted by another replica since we listed it, or the token lost its storage (SoftHSM2 says the same
          // then): only a token that still answers makes it the former.
          confirmToken(p, c);
          c.handles.remove(key.ref());
          throw new HsmException("sign: no such key " + key.kid());
        }
        throw e;
      }
      return p.C_Sign(s.getSessionHandle(), data);
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Calls, faults and reconnection

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c, Session s) throws TokenException, PKCS11Exception;
  }

  /** Work on a raw session, for tests and the hsm check of this package. */
  @FunctionalInterface
  interface SessionWork<T> {
    T run(PKCS11 pkcs11, long session) throws TokenException, PKCS11Exception;
  }

  /** Runs {@code work} on a pooled session, with this store's fault handling. */
  <T> T withSession(String operation, SessionWork<T> work) {
    return call(operation, (c, s) -> work.run(library.pkcs11(), s.getSessionHandle()));
  }

  private <T> T call(String operation, Work<T> work) {
    for (int attempt = 0; ; attempt++) {
      Connection c = connection();
      // Catch clauses of try-with-resources run after the resource is released: markDown (which closes the pool,
      // taking the library's shared lock again) never runs inside it.
      try (Pkcs11Library.Use u = library.use()) {
        if (c.pool.live()) {
          Session s = c.pool.borrow();
          try {
            return work.run(c, s);
          } finally {
            c.pool.release(s);
          }
        }
      } catch (TokenException | PKCS11Exception e) {
        HsmException failure = Pkcs11Errors.toHsmException(operation, e);
        if (Pkcs11Errors.isGone(e)) markDown(c, failure.getMessage());
        throw failure;
      } catch (HsmException e) {
        throw e;
      } catch (RuntimeException e) {
        // The JDK's native glue reports some failures (out of memory in the library, a bad attribute conversion) as
        // unchecked exceptions. Callers map HsmException to 503; anything else would be a 500 with a stack trace.
        LOG.warn("hsm.{} failed in the PKCS#11 glue: {}", operation, e.getClass().getName());
        throw new HsmException(operation + ": library failure (" + e.getClass().getSimpleName() + ")");
      }
      // Another store of this process reinitialised the library: our sessions died with no call failing. Nothing
      // was sent to the token, so reconnecting and trying once more is safe even for generate.
      markDown(c, operation + ": sessions lost (library reinitialised)");
      if (attempt > 0) throw new HsmException(operation + ": hsm reconnecting");
    }
  }

  private void markDown(Connection c, String reason) {
    synchronized (stateLock) {
      if (current != c) return;
      current = null;
      failedGeneration = c.pool.generation();
      lastError = reason;
      // The first reconnect may happen at once (a transient loss recovers on the next call); failures back off.
      nextAttempt = Instant.MIN;
    }
    LOG.warn("hsm.down: {}", reason);
    c.pool.close();
  }

  /**
   * The live connection, or a reconnect attempt by this thread. While another thread reconnects, or within the
   * backoff after a failed attempt, throws {@link HsmException} at once: callers never queue behind an HSM that does
   * not answer (the reconnect itself may wait for a reinitialisation, a login, a listing).
   */
  private Connection connection() {
    Connection c = current;
    if (c != null) return c;
    if (!reconnectLock.tryLock()) throw new HsmException("hsm down (reconnecting)");
    try {
      Instant now;
      boolean retry;
      long seen;
      synchronized (stateLock) {
        if (closed) throw new HsmException("hsm store closed");
        if (current != null) return current;
        if (permanentError != null) throw new HsmException(permanentError);
        now = clock.instant();
        if (now.isBefore(nextAttempt)) throw new HsmException("hsm down (" + lastError + ")");
        retry = attempted;
        attempted = true;
        seen = failedGeneration;
      }
      try {
        // Every attempt after the first starts from a fresh C_Initialize: a library that lost its device, or that
        // had not seen the token yet (SoftHSM2 reads its token directory at C_Initialize), recovers only that way.
        long generation = retry ? library.reinitialize(seen) : library.generation();
        synchronized (stateLock) {
          // If this attempt fails, the next one must reinitialise again, so it must know what it has seen.
          failedGeneration = generation;
        }
        SessionPool pool = SessionPool.open(library, config.tokenLabel(), config.pin(), config.sessions(), borrowTimeout);
        Connection fresh = new Connection(pool);
        boolean closedMeanwhile;
        synchronized (stateLock) {
          closedMeanwhile = closed;
          if (!closedMeanwhile) current = fresh;
        }
        if (closedMeanwhile) {
          pool.close();
          throw new HsmException("hsm store closed");
        }
        if (retry) {
          list(); // refresh the handles: they are not stable across C_Initialize
          LOG.info("hsm.up after reconnect");
        }
        synchronized (stateLock) {
          backoff = minBackoff;
        }
        return fresh;
      } catch (HsmException e) {
        synchronized (stateLock) {
          lastError = e.getMessage();
          if (isPinRefusal(e.getMessage())) {
            permanentError = "hsm login refused (" + e.getMessage() + "); fix the PIN and restart";
            throw new HsmException(permanentError);
          }
          nextAttempt = now.plus(backoff);
          backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
        throw e;
      }
    } finally {
      reconnectLock.unlock();
    }
  }

  private static boolean isPinRefusal(String message) {
    return message.startsWith("login: CKR_PIN_");
  }

  /**
   * What {@code C_GenerateKeyPair} gets for a key pair of our policy (class javadoc, SPEC.md). {@code token} false
   * makes session objects, for {@link HsmCheck}'s temporary keys.
   */
  record KeyPairTemplate(CK_MECHANISM mechanism, CK_ATTRIBUTE[] publicKey, CK_ATTRIBUTE[] privateKey) {
    static KeyPairTemplate of(SigningAlgorithm alg, boolean token, String label, byte[] id) {
      List<CK_ATTRIBUTE> pub = new ArrayList<>(List.of(
          new CK_ATTRIBUTE(PKCS11Constants.CKA_CLASS, PKCS11Constants.CKO_PUBLIC_KEY),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, token),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_VERIFY, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_ENCRYPT, false),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_WRAP, false),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label.toCharArray()),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id)));
      List<CK_ATTRIBUTE> priv = new ArrayList<>(List.of(
          new CK_ATTRIBUTE(PKCS11Constants.CKA_CLASS, PKCS11Constants.CKO_PRIVATE_KEY),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, token),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_PRIVATE, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_SENSITIVE, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_EXTRACTABLE, false),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_SIGN, true),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_DECRYPT, false),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_UNWRAP, false),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_LABEL, label.toCharArray()),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id)));
      CK_MECHANISM mechanism;
      if (alg == SigningAlgorithm.RS256) {
        mechanism = new CK_MECHANISM(PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN);
        pub.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE, PKCS11Constants.CKK_RSA));
        pub.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_MODULUS_BITS, 2048L));
        pub.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_PUBLIC_EXPONENT, F4));
        priv.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE, PKCS11Constants.CKK_RSA));
      } else {
        mechanism = new CK_MECHANISM(PKCS11Constants.CKM_EC_KEY_PAIR_GEN);
        pub.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE, PKCS11Constants.CKK_EC));
        pub.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_EC_PARAMS, P256_PARAMS));
        priv.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE, PKCS11Constants.CKK_EC));
        priv.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_DERIVE, false));
      }
      return new KeyPairTemplate(mechanism, pub.toArray(CK_ATTRIBUTE[]::new), priv.toArray(CK_ATTRIBUTE[]::new));
    }
  }

  /** One live pool and the object handles valid in it (handles may change across a reinitialisation). */
  private static final class Connection {
    final SessionPool pool;
    final Map<String, Handles> handles = new ConcurrentHashMap<>();

    Connection(SessionPool pool) {
      this.pool = pool;
    }
  }

  /** Object handles of both halves; -1 for a half that is missing (only from a search, for delete). */
  private record Handles(long pub, long priv) {
    boolean complete() {
      return pub >= 0 && priv >= 0;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // PKCS#11 helpers (run inside call(), on a borrowed session)

  /** The cached handles of a ref, or a search by CKA_ID for a ref this store has never listed; null when gone. */
  private Handles handles(Connection c, PKCS11 p, Session s, String ref) throws PKCS11Exception {
    Handles h = c.handles.get(ref);
    if (h != null) return h;
    byte[] id;
    try {
      id = HexFormat.of().parseHex(ref);
    } catch (IllegalArgumentException e) {
      return null;
    }
    long sh = s.getSessionHandle();
    long[] pubs = find(p, sh, PKCS11Constants.CKO_PUBLIC_KEY, id);
    long[] privs = find(p, sh, PKCS11Constants.CKO_PRIVATE_KEY, id);
    if (pubs.length == 0 && privs.length == 0) {
      confirmToken(p, c);
      return null;
    }
    // A half-deleted pair still needs its other half removed, so return what there is (-1 for a missing half).
    h = new Handles(pubs.length > 0 ? pubs[0] : -1, privs.length > 0 ? privs[0] : -1);
    if (h.complete()) c.handles.put(ref, h);
    return h;
  }

  private static long[] find(PKCS11 p, long session, long objectClass, byte[] id) throws PKCS11Exception {
    List<CK_ATTRIBUTE> template = new ArrayList<>(List.of(
        new CK_ATTRIBUTE(PKCS11Constants.CKA_CLASS, objectClass),
        new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN, true)));
    if (id != null) template.add(new CK_ATTRIBUTE(PKCS11Constants.CKA_ID, id));
    p.C_FindObjectsInit(session, template.toArray(CK_ATTRIBUTE[]::new));
    long[] all = new long[0];
    try {
      while (true) {
        long[] batch = p.C_FindObjects(session, FIND_BATCH);
        if (batch == null || batch.length == 0) break;
        long[] grown = Arrays.copyOf(all, all.length + batch.length);
        System.arraycopy(batch, 0, grown, all.length, batch.length);
        all = grown;
      }
    } finally {
      try {
        p.C_FindObjectsFinal(session);
      } catch (PKCS11Exception e) {
        // A failed search already failed; the session's search state dies with it.
      }
    }
    return all;
  }

  /**
   * An attribute's bytes, or null when the object has it empty. The JDK's {@code getByteArray()} throws on an empty
   * value, and other applications' keys on a shared token (the JDK's own SunPKCS11 among them) have empty ids and
   * labels: one such key must not stop a listing.
   */
  private static byte[] bytes(CK_ATTRIBUTE a) {
    return a.pValue instanceof byte[] b && b.length > 0 ? b : null;
  }

  /** An attribute's characters, or null when empty (see {@link #bytes}). */
  private static char[] chars(CK_ATTRIBUTE a) {
    return a.pValue instanceof char[] c && c.length > 0 ? c : null;
  }

  private static Optional<byte[]> readId(PKCS11 p, long session, long handle) throws PKCS11Exception {
    CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(PKCS11Constants.CKA_ID)};
    try {
      p.C_GetAttributeValue(session, handle, a);
    } catch (PKCS11Exception e) {
      if (Pkcs11Errors.isGone(e)) throw e;
      return Optional.empty();
    }
    return Optional.ofNullable(bytes(a[0]));
  }

  private static void destroyIfPresent(PKCS11 p, Connection c, long session, long handle) throws PKCS11Exception {
    if (handle < 0) return;
    try {
      p.C_DestroyObject(session, handle);
    } catch (PKCS11Exception e) {
      if (!isHandleInvalid(e)) throw e;
      // Already gone (deleted by another replica): deleting is idempotent. But a revocation must never "succeed"
      // against a token that lost its storage and will bring the key back, so the token must still answer.
      confirmToken(p, c);
    }
  }

  /** Best effort: a key pair we could not hand out must not stay behind as a role key nobody asked for. */
  private static void discard(PKCS11 p, long session, Handles h) {
    for (long handle : new long[] {h.priv, h.pub}) {
      try {
        p.C_DestroyObject(session, handle);
      } catch (PKCS11Exception e) {
        LOG.warn("hsm.generate could not remove a half-made key pair: {}", Pkcs11Errors.name(e.getErrorCode()));
      }
    }
  }

  private static boolean isHandleInvalid(PKCS11Exception e) {
    return e.getErrorCode() == PKCS11Constants.CKR_OBJECT_HANDLE_INVALID
        || e.getErrorCode() == PKCS11Constants.CKR_KEY_HANDLE_INVALID;
  }

  /**
   * Throws unless the token answers {@code C_GetTokenInfo}. SoftHSM2 reports a token whose storage vanished only
   * there ({@code CKR_GENERAL_ERROR}); searches then return nothing and object handles turn invalid, which would
   * otherwise read as "no keys" or "already deleted".
   */
  private static void confirmToken(PKCS11 p, Connection c) throws PKCS11Exception {
    p.C_GetTokenInfo(c.pool.slotId());
  }

  /**
   * The public JWK of a public key object ({@code use=sig}, {@code alg}, {@code kid} = RFC 7638 thumbprint), or empty
   * when the object is not the key type its label promises.
   */
  static Optional<JWK> readPublicJwk(PKCS11 p, long session, long handle, SigningAlgorithm alg)
      throws PKCS11Exception {
    try {
      if (alg == SigningAlgorithm.RS256) {
        CK_ATTRIBUTE[] a = {
            new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE),
            new CK_ATTRIBUTE(PKCS11Constants.CKA_MODULUS),
            new CK_ATTRIBUTE(PKCS11Constants.CKA_PUBLIC_EXPONENT)};
        p.C_GetAttributeValue(session, handle, a);
        if (a[0].getLong() != PKCS11Constants.CKK_RSA) return Optional.empty();
        BigInteger n = new BigInteger(1, a[1].getByteArray());
        BigInteger e = new BigInteger(1, a[2].getByteArray());
        if (n.bitLength() < 2048) return Optional.empty(); // aws-sts-rules.md: RS256 keys are at least 2048 bits
        return Optional.of(new RSAKey.Builder(Base64URL.encode(n), Base64URL.encode(e))
            .keyUse(KeyUse.SIGNATURE).algorithm(alg.jws()).keyIDFromThumbprint().build());
      }
      CK_ATTRIBUTE[] a = {
          new CK_ATTRIBUTE(PKCS11Constants.CKA_KEY_TYPE),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_EC_PARAMS),
          new CK_ATTRIBUTE(PKCS11Constants.CKA_EC_POINT)};
      p.C_GetAttributeValue(session, handle, a);
      if (a[0].getLong() != PKCS11Constants.CKK_EC || !Arrays.equals(P256_PARAMS, a[1].getByteArray())) {
        return Optional.empty();
      }
      byte[] point = uncompressedPoint(a[2].getByteArray());
      if (point == null) return Optional.empty();
      return Optional.of(new ECKey.Builder(Curve.P_256,
              Base64URL.encode(Arrays.copyOfRange(point, 1, 33)), Base64URL.encode(Arrays.copyOfRange(point, 33, 65)))
          .keyUse(KeyUse.SIGNATURE).algorithm(alg.jws()).keyIDFromThumbprint().build());
    } catch (PKCS11Exception e) {
      if (Pkcs11Errors.isGone(e)) throw e;
      return Optional.empty();
    } catch (JOSEException | IllegalArgumentException | NullPointerException e) {
      // Not a point on P-256, or attributes missing: not a key we made.
      return Optional.empty();
    }
  }

  /**
   * The 65-byte uncompressed P-256 point ({@code 04 || X || Y}) from {@code CKA_EC_POINT}, which PKCS#11 v2.20+
   * defines as a DER OCTET STRING around it ({@code 04 41 04 ...}); some libraries return the bare point. Null for
   * anything else (compressed points are not ours).
   */
  static byte[] uncompressedPoint(byte[] ecPoint) {
    if (ecPoint == null) return null;
    if (ecPoint.length == 67 && ecPoint[0] == 0x04 && ecPoint[1] == 0x41 && ecPoint[2] == 0x04) {
      return Arrays.copyOfRange(ecPoint, 2, 67);
    }
    if (ecPoint.length == 65 && ecPoint[0] == 0x04) return ecPoint.clone();
    return null;
  }
}
