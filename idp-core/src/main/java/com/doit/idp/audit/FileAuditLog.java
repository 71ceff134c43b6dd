package com.doit.idp.audit;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The audit log: one JSON object per line, appended to {@code audit.file}, or to standard output when the path is
 * {@code -} (for container platforms that collect it).
 *
 * <p><b>Group commit.</b> {@link #write} returns once its line has been handed to the operating system (the promise
 * of {@link AuditLog}), but concurrent callers share the work: the first of them writes every line queued at that
 * moment in one {@code write(2)}, the others wait for it and return. One system call then serves many requests
 * instead of one lock hand-off and one call per line.
 *
 * <p><b>Never interleaved.</b> The file is opened in append mode and each batch is one {@code write(2)} of whole
 * lines, so the lines of the server and of {@code keys-admin} appending to the same file never mix. If a write fails
 * part-way (a full disk), the next batch starts with a newline, so a torn line never glues onto the next one.
 *
 * <p><b>Rotation.</b> Before each batch the path is checked: when it names another file than the one open
 * (logrotate's {@code create} mode renamed ours and created a new one), the new one is opened and the batch goes
 * there; lines written before that went whole to the renamed file. When the path has vanished and nobody has created
 * it within a second, the log creates it. A file truncated in place ({@code copytruncate}) needs nothing: in append
 * mode the next line lands at the new end, with no hole. docs/RUNBOOK.md "The audit log" has the logrotate setup.
 *
 * <p>Thread-safe. A line that cannot be written throws {@link AuditLogException} to its caller (and to every caller
 * whose line was in the same batch).
 */
public final class FileAuditLog implements AuditLog {
  /** The path that means standard output. */
  public static final String STANDARD_OUTPUT = "-";
  /** A batch never exceeds this many bytes (one line always goes, whatever its size). */
  static final int MAX_BATCH_BYTES = 256 * 1024;

  /** Where batches go. Called by one thread at a time. */
  interface Sink extends Closeable {
    /** Writes all of {@code batch} (whole lines), or throws. */
    void write(ByteBuffer batch) throws IOException;
  }

  /** One caller's line, and what became of it; guarded by {@link #lock}. */
  private static final class Pending {
    final byte[] line;
    boolean done;
    IOException failure;

    Pending(byte[] line) {
      this.line = line;
    }
  }

  private final Sink sink;
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean writing;
  private boolean closed;

  /**
   * Opens (creating it and its folders when missing) the file at {@code file}, or standard output for {@code -}.
   *
   * @throws AuditLogException when the file cannot be opened for appending
   */
  public FileAuditLog(Path file) {
    this(file.toString().equals(STANDARD_OUTPUT) ? new StandardOutput(System.out) : RotatingFile.open(file));
  }

  FileAuditLog(Sink sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  @Override
  public void write(AuditEvent event) {
    Pending mine = new Pending((JSONObjectUtils.toJSONString(event.toMap()) + "\n").getBytes(StandardCharsets.UTF_8));
    boolean interrupted = false;
    try {
      synchronized (lock) {
        if (closed) throw new AuditLogException("the audit log is closed", new IOException("closed"));
        queue.add(mine);
      }
      while (true) {
        List<Pending> batch;
        synchronized (lock) {
          while (writing && !mine.done) {
            try {
              lock.wait();
            } catch (InterruptedException e) {
              // The line is queued and another thread may be writing it: answering before it is written would
              // break the promise, so wait on and restore the interrupt afterwards.
              interrupted = true;
            }
          }
          if (mine.done) break;
          writing = true;
          batch = takeBatch();
        }
        IOException failure = null;
        try {
          sink.write(join(batch));
        } catch (IOException e) {
          failure = e;
        } catch (RuntimeException e) {
          failure = new IOException(e.toString(), e);
        }
        synchronized (lock) {
          for (Pending p : batch) {
            p.done = true;
            p.failure = failure;
          }
          writing = false;
          lock.notifyAll();
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
    if (mine.failure != null) {
      throw new AuditLogException("cannot write the audit log: " + mine.failure.getMessage(), mine.failure);
    }
  }

  /** The queued lines of the next batch, oldest first; never empty (the caller's own line is queued). */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    int bytes = 0;
    for (Pending p = queue.peek(); p != null; p = queue.peek()) {
      if (!batch.isEmpty() && bytes + p.line.length > MAX_BATCH_BYTES) break;
      batch.add(queue.poll());
      bytes += p.line.length;
    }
    return batch;
  }

  private static ByteBuffer join(List<Pending> batch) {
    if (batch.size() == 1) return ByteBuffer.wrap(batch.get(0).line);
    int n = 0;
    for (Pending p : batch) n += p.line.length;
    ByteBuffer b = ByteBuffer.allocate(n);
    for (Pending p : batch) b.put(p.line);
    return b.flip();
  }

  /** Lines queued and not written yet (tests watch a batch form). */
  int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** Waits for the lines being written, then releases the file; later writes throw. */
  @Override
  public void close() {
    synchronized (lock) {
      while (writing) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      closed = true;
    }
    try {
      sink.close();
    } catch (IOException e) {
      throw new AuditLogException("cannot close the audit log: " + e.getMessage(), e);
    }
  }

  /** {@code audit.file} on disk, following rotation. Confined to the writing thread of the moment. */
  static final class RotatingFile implements Sink {
    /** How long a vanished file is given to reappear (logrotate creates it just after the rename). */
    static final long MISSING_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path path;
    private FileChannel channel;
    private Object key;
    private long missingSince = -1;
    private boolean tornTail;

    private RotatingFile(Path path) {
      this.path = path;
    }

    static RotatingFile open(Path path) {
      RotatingFile f = new RotatingFile(path);
      try {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        f.reopen();
      } catch (IOException e) {
        throw new AuditLogException("cannot open the audit log " + path + ": " + e.getMessage(), e);
      }
      return f;
    }

    @Override
    public void write(ByteBuffer batch) throws IOException {
      followRotation();
      if (tornTail) {
        // the last write failed in the middle of a line: end that fragment so that this batch starts a line
        ByteBuffer nl = ByteBuffer.wrap(new byte[] {'\n'});
        while (nl.hasRemaining()) channel.write(nl);
        tornTail = false;
      }
      int start = batch.position();
      try {
        while (batch.hasRemaining()) channel.write(batch);
      } catch (IOException e) {
        tornTail = batch.position() > start && batch.get(batch.position() - 1) != '\n';
        throw e;
      }
    }

    /** Opens the file the path names now, if it is not the open one. */
    private void followRotation() throws IOException {
      Object now = keyOf(path);
      if (now == null) {
        long t = System.nanoTime();
        if (missingSince < 0) {
          missingSince = t;
        } else if (t - missingSince >= MISSING_GRACE_NANOS) {
          reopen();
        }
        return;
      }
      missingSince = -1;
      if (!now.equals(key)) reopen();
    }

    private void reopen() throws IOException {
      // The file's identity is read before and after opening: equal means the channel holds the file the path
      // names, not one that a rotation renamed in between (which would then be written forever).
      for (int attempt = 0; ; attempt++) {
        Object before = keyOf(path);
        FileChannel c = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
        Object after = keyOf(path);
        if (after != null && (after.equals(before) || before == null) || attempt == 3) {
          if (channel != null) channel.close();
          channel = c;
          key = after;
          missingSince = -1;
          tornTail = false;
          return;
        }
        c.close();
      }
    }

    /** The file's identity (device and inode), or null when nothing is at the path. */
    private static Object keyOf(Path p) throws IOException {
      try {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
      } catch (NoSuchFileException e) {
        return null;
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Standard output: the batch goes through {@link PrintStream#write}, atomic with other users of the stream. */
  static final class StandardOutput implements Sink {
    private final PrintStream out;

    StandardOutput(PrintStream out) {
      this.out = out;
    }

    @Override
    public void write(ByteBuffer batch) throws IOException {
      out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
      out.flush();
      if (out.checkError()) throw new IOException("standard output cannot be written");
    }

    @Override
    public void close() {
      out.flush();
    }
  }
}
