package com.doit.idp.awsops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The per-user cache folder ({@code $XDG_CACHE_HOME/aws-ops}, mode 700): files written atomically with mode 600 (a
 * temporary file in the same folder, then a rename, so a reader sees the old file or the new one, never half of
 * one), and named locks that hold across processes (a lock file) and threads (the file lock belongs to the JVM).
 * Thread-safe.
 */
final class CacheDir {
  private static final FileAttribute<Set<PosixFilePermission>> DIR_700 =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<Set<PosixFilePermission>> FILE_600 =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  /** A JVM holds one file lock per file: threads of one JVM queue here first. */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;

  CacheDir(Path dir) {
    this.dir = dir;
  }

  Path path() {
    return dir;
  }

  /** The file's bytes, or null when it does not exist. */
  byte[] read(String name) {
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new AwsOpsException("cannot read " + dir.resolve(name) + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Replaces the file atomically; it is mode 600 from its first byte. */
  void write(String name, byte[] content) {
    ensure();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + name + ".", ".tmp", FILE_600);
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.write(java.nio.ByteBuffer.wrap(content));
        c.force(true);
      }
      try {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new AwsOpsException("cannot write " + dir.resolve(name) + " (" + e.getClass().getSimpleName() + ")");
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that is what the engineer is told
        }
      }
    }
  }

  boolean delete(String name) {
    try {
      return Files.deleteIfExists(dir.resolve(name));
    } catch (IOException e) {
      throw new AwsOpsException("cannot delete " + dir.resolve(name) + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Names of the files that start with {@code prefix} (none when the folder does not exist). */
  List<String> names(String prefix) {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) return out;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*")) {
      for (Path p : s) out.add(p.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Creates the folder with mode 700, or narrows an existing one to 700 (it holds credentials). */
  void ensure() {
    try {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, DIR_700);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(dir)) throw new AwsOpsException(dir + " exists and is not a folder: move it away");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new AwsOpsException("cannot create " + dir + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A held lock; closing it releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes the lock {@code name} (file {@code <name>.lock}), waiting at most {@code wait} for another process or
   * thread to release it.
   *
   * @throws AwsOpsException when it stays taken that long
   */
  Held lock(String name, Duration wait) {
    ensure();
    Path file = dir.resolve(name + ".lock");
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      if (!jvm.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) throw busy(file, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(file, wait);
    }
    FileChannel channel = null;
    try {
      channel = open(file);
      FileLock lock;
      while ((lock = tryLock(channel)) == null) {
        if (System.nanoTime() > deadline) throw busy(file, wait);
        Thread.sleep(20);
      }
      FileChannel c = channel;
      FileLock l = lock;
      channel = null;
      return () -> {
        try {
          l.release();
          c.close();
        } catch (IOException ignored) {
          // closing the channel releases the lock in any case
        } finally {
          jvm.unlock();
        }
      };
    } catch (IOException e) {
      throw new AwsOpsException("cannot lock " + file + " (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(file, wait);
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // already failing
        }
        jvm.unlock();
      }
    }
  }

  private static FileChannel open(Path file) throws IOException {
    try {
      return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE_600);
    } catch (FileAlreadyExistsException e) {
      return FileChannel.open(file, StandardOpenOption.WRITE);
    }
  }

  private static FileLock tryLock(FileChannel c) throws IOException {
    try {
      return c.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private static AwsOpsException busy(Path file, Duration wait) {
    return new AwsOpsException("another aws-ops still holds " + file + " after " + wait.toSeconds()
        + " s: wait for it to finish, or end it");
  }
}
