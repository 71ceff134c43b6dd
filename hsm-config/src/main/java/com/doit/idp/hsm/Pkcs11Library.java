package com.doit.idp.hsm;

import com.doit.idp.role.HsmException;
import iaik.pkcs.pkcs11.DefaultInitializeArgs;
import iaik.pkcs.pkcs11.Module;
import iaik.pkcs.pkcs11.TokenException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * One PKCS#11 library (a {@code .so}) as the whole process sees it. PKCS#11 allows one {@code C_Initialize} per
 * process and library, and the JDK's native wrapper caches one instance per library path, so every
 * {@link Pkcs11RoleKeyStore} (and the JDK's SunPKCS11 provider) on the same path share this object, its login state
 * and its initialisation.
 *
 * <p>Recovery without a JVM restart needs {@code C_Finalize} then {@code C_Initialize} on that shared instance. Doing
 * that while another thread is inside a PKCS#11 call is undefined behaviour (SoftHSM2 frees its state under the
 * caller's feet), so every call runs under {@link #use()} (a shared lock) and {@link #reinitialize(long)} takes the
 * exclusive lock. {@link #generation()} counts reinitialisations: a store whose sessions died in generation {@code g}
 * asks for {@code reinitialize(g)}, and when another store already did it the call only returns the new generation,
 * so two stores never finalise each other's fresh sessions in turn.
 *
 * <p>The JDK keeps {@code C_Initialize} package-private; reinitialising calls it reflectively, which needs
 * {@code --add-opens jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED} (the launchers and surefire pass
 * it, with the matching {@code --add-exports}). Without it a store still works, but only a restart recovers from a
 * lost HSM. Thread-safe.
 */
final class Pkcs11Library {
  private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Library.class);
  private static final Map<Path, Pkcs11Library> LIBRARIES = new HashMap<>();

  private final Path path;
  private final Module module;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile long generation;

  private Pkcs11Library(Path path, Module module) {
    this.path = path;
    this.module = module;
  }

  /** The library at {@code path}, loaded and initialised on first use. Throws {@link HsmException}. */
  static Pkcs11Library get(Path path) {
    Path key = path.toAbsolutePath().normalize();
    synchronized (LIBRARIES) {
      Pkcs11Library lib = LIBRARIES.get(key);
      if (lib == null) {
        Module module = new Module(key.toString());
        try {
          // OS locking: the library may be called from many threads at once. Without this flag the JDK wraps the
          // module in SynchronizedPKCS11 and serialises every call, which would make the session pool pointless.
          module.initialize(new DefaultInitializeArgs(null, false, true));
        } catch (TokenException e) {
          throw Pkcs11Errors.toHsmException("initialize", e);
        }
        lib = new Pkcs11Library(key, module);
        LIBRARIES.put(key, lib);
      }
      return lib;
    }
  }

  Path path() {
    return path;
  }

  Module module() {
    return module;
  }

  PKCS11 pkcs11() {
    return module.getPKCS11Module();
  }

  /** A shared hold on the library: PKCS#11 calls run inside it so that nobody finalises it under them. */
  Use use() {
    lock.readLock().lock();
    return lock.readLock()::unlock;
  }

  /** Reinitialisations so far; sessions opened in an older generation are dead. */
  long generation() {
    return generation;
  }

  /**
   * {@code C_Finalize} and {@code C_Initialize} again, unless someone already did since generation {@code seen};
   * returns the current generation. Every session of every store on this library dies. Throws {@link HsmException}.
   */
  long reinitialize(long seen) {
    lock.writeLock().lock();
    try {
      if (generation != seen) return generation;
      PKCS11 p = pkcs11();
      try {
        p.C_Finalize(null);
      } catch (PKCS11Exception e) {
        // CKR_CRYPTOKI_NOT_INITIALIZED and device errors: we are about to initialise afresh anyway.
        LOG.debug("hsm.finalize failed: {}", Pkcs11Errors.name(e.getErrorCode()));
      }
      CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
      args.flags = PKCS11Constants.CKF_OS_LOCKING_OK;
      try {
        Method init = PKCS11.class.getDeclaredMethod("C_Initialize", Object.class);
        init.setAccessible(true);
        init.invoke(p, args);
      } catch (InvocationTargetException e) {
        if (e.getCause() instanceof PKCS11Exception pe
            && pe.getErrorCode() != PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
          throw new HsmException("initialize: " + Pkcs11Errors.name(pe.getErrorCode()));
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new HsmException(
            "initialize: cannot reinitialise the PKCS#11 library without --add-opens "
                + "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED; restart the process");
      }
      generation++;
      LOG.info("hsm.reinitialized generation={}", generation);
      return generation;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** True while {@code thread} waits for this library's lock (for tests). */
  boolean isWaiting(Thread thread) {
    return lock.hasQueuedThread(thread);
  }

  /** A held shared lock; closing releases it. */
  interface Use extends AutoCloseable {
    @Override
    void close();
  }
}
