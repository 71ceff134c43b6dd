package com.doit.idp.server.hostile;

import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake HSM that hangs: while {@link #wedge()} is in force every signature blocks until {@link #release()}, as a
 * stuck HSM would. Everything else is the wrapped store. Counts the signatures waiting. Thread-safe.
 */
public final class BlockingRoleKeyStore implements RoleKeyStore {
  private final RoleKeyStore inner;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final AtomicInteger waiting = new AtomicInteger();

  public BlockingRoleKeyStore(RoleKeyStore inner) {
    this.inner = inner;
  }

  public void wedge() {
    gate = new CountDownLatch(1);
  }

  public void release() {
    gate.countDown();
  }

  /** Signatures blocked right now. */
  public int waiting() {
    return waiting.get();
  }

  @Override
  public RoleKey generate(KeyMetadata metadata) {
    return inner.generate(metadata);
  }

  @Override
  public List<RoleKey> list() {
    return inner.list();
  }

  @Override
  public RoleKey relabel(RoleKey key, KeyMetadata metadata) {
    return inner.relabel(key, metadata);
  }

  @Override
  public void delete(RoleKey key) {
    inner.delete(key);
  }

  @Override
  public JWSSigner signer(RoleKey key) {
    JWSSigner s = inner.signer(key);
    return new JWSSigner() {
      @Override
      public Base64URL sign(JWSHeader header, byte[] input) throws JOSEException {
        waiting.incrementAndGet();
        try {
          if (!gate.await(60, TimeUnit.SECONDS)) throw new JOSEException("test gate never released");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new JOSEException("interrupted");
        } finally {
          waiting.decrementAndGet();
        }
        return s.sign(header, input);
      }

      @Override
      public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return s.supportedJWSAlgorithms();
      }

      @Override
      public JCAContext getJCAContext() {
        return s.getJCAContext();
      }
    };
  }

  @Override
  public void ping() {
    inner.ping();
  }

  @Override
  public void close() {
    inner.close();
  }
}
