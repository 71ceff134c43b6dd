package com.doit.idp.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.hsm.SoftHsmToken;
import com.doit.idp.role.RoleId;
import com.doit.idp.server.RawHttp;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, point 6, replayed against the real server in its own JVM with the heap {@code bin/idp-server} gives it
 * (128 MiB): a few thousand connections to the token listener, each announcing a 64 KiB body, half of them sending
 * a byte now and then, half sending nearly all of it at once and stalling; every connection the server closes is
 * opened again (at most once a second per slot, 300 per half-second tick), for 30 s. On main before the fix, 2,000 of the first kind exhausted
 * the heap ({@code OutOfMemoryError} in the XNIO threads), the public documents stopped answering and SIGTERM could
 * not be handled. Now: the public documents and the management listener answer throughout, the process stays up
 * with its resident memory bounded, and SIGTERM stops it gracefully. The figures measured are printed.
 *
 * <p>Size: 3,000 attacking connections (the test JVM opens them; the machine's open-file limit must allow about
 * 2 x 3,000 descriptors for the two processes, and the test says so when it does not).
 */
class SlowBodyFloodTest {
  static final String ADMIN_TOKEN = "flood-admin-token-0123456789abcdef";
  static final int CONNECTIONS = 3_000;
  static final Duration ATTACK = Duration.ofSeconds(30);
  /** Far above what a bounded server uses (heap 128 MiB, plus metaspace, threads and buffers), far below a leak. */
  static final long RSS_BOUND_KIB = 512 * 1024;
  static final Pattern REFUSED = Pattern.compile(
      "idp_http_connections_refused_total\\{listener=\"token\",reason=\"limit\"} ([0-9.E]+)");

  @TempDir Path dir;

  @Test
  void thousandsOfSlowBodiesNeitherExhaustTheHeapNorStopThePublicDocumentsNorSigterm() throws Exception {
    SsoTestIssuer sso = SharedSso.get();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try (ServerProcess server = ServerProcess.start("flooded", dir, SoftHsmToken.shared(), sso, ADMIN_TOKEN,
        Map.of(), List.of("-Xms64m", "-Xmx128m"))) {
      RoleId role = new RoleId(SoftHsmToken.uniqueAccount(), "flo");
      assertEquals(201, LifecycleServer.send(http, LifecycleServer.adminRequest(server.url("management",
          "/admin/roles"), "POST", "{\"account\":\"" + role.account() + "\",\"engineer\":\"flo\"}",
          "Bearer " + ADMIN_TOKEN)).statusCode());
      // each check on a connection of its own (Connection: close), as STS and a balancer's probe would come
      Map<URI, String> checks = Map.of(server.url("public", ""), "/" + role.account() + "/flo/jwks.json",
          server.url("management", ""), "/healthz");
      long rssBefore = server.residentKib();

      Attack attack = new Attack(server.url("token", "/"));
      Thread attacker = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            attack.tick();
            Thread.sleep(500);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable t) {
          attack.failure = t;
        }
      }, "slow-body-attack");
      long maxRss = rssBefore;
      long slowestCheckMs = 0;
      int rounds = 0;
      List<String> failures = new ArrayList<>();
      attacker.start();
      long end = System.nanoTime() + ATTACK.toNanos();
      try {
        while (System.nanoTime() < end) {
          for (Map.Entry<URI, String> c : checks.entrySet()) {
            long t0 = System.nanoTime();
            try {
              int status = RawHttp.status(RawHttp.get(new InetSocketAddress(c.getKey().getHost(),
                  c.getKey().getPort()), c.getValue()));
              if (status != 200) failures.add(c.getValue() + " " + status);
            } catch (RuntimeException e) {
              failures.add(c.getValue() + " " + e);
            }
            slowestCheckMs = Math.max(slowestCheckMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
          }
          rounds++;
          assertTrue(server.isAlive(), "the server died under the flood: " + tail(server));
          maxRss = Math.max(maxRss, server.residentKib());
          Thread.sleep(500);
        }
        attacker.interrupt();
        attacker.join(30_000);
        if (attack.failure != null) throw new AssertionError("the attack itself failed", attack.failure);
        String heap = heapInfo(server.pid());
        String metrics;
        try {
          metrics = LifecycleServer.send(http, HttpRequest.newBuilder(server.url("management", "/metrics"))
              .timeout(Duration.ofSeconds(20)).build()).body();
        } catch (RuntimeException e) {
          throw new AssertionError("/metrics does not answer after the flood: " + tail(server), e);
        }
        Matcher m = REFUSED.matcher(metrics);
        double refused = m.find() ? Double.parseDouble(m.group(1)) : -1;
        System.out.printf("slow-body flood: %d attacking connections, %d opened in all in %d s (%d ticks), %d refused"
            + " by the server's connection limit; %d rounds of JWKS + /healthz, each on a new connection (failures:"
            + " %s, slowest %d ms); server RSS %d MiB before, at most %d MiB during; heap after: %s%n", CONNECTIONS,
            attack.opened, ATTACK.toSeconds(), attack.ticks, (long) refused, rounds, failures, slowestCheckMs,
            rssBefore / 1024, maxRss / 1024, heap);
        assertTrue(failures.isEmpty(), "public documents and health answered throughout: " + failures + "\n"
            + tail(server));
        assertTrue(refused > 0, "the connection limit refused the surplus: " + refused);
        assertTrue(maxRss < RSS_BOUND_KIB, "resident memory bounded: " + maxRss / 1024 + " MiB");
        assertTrue(server.output().stream().noneMatch(l -> l.contains("OutOfMemoryError")), tail(server));
      } finally {
        attacker.interrupt();
        attacker.join(30_000);
        attack.close();
      }
      server.terminate();
      int exit = server.awaitExit(Duration.ofSeconds(60));
      assertEquals(143, exit, "stops on SIGTERM: " + tail(server));
      assertTrue(server.output().stream().anyMatch(l -> l.contains("IdpServer - stopped")), tail(server));
    }
  }

  private static String tail(ServerProcess server) {
    List<String> out = server.output();
    return String.join("\n", out.subList(Math.max(0, out.size() - 30), out.size()));
  }

  /** {@code jcmd <pid> GC.heap_info}'s summary line, or why there is none (a wedged JVM does not answer). */
  private static String heapInfo(long pid) {
    try {
      Path out = Files.createTempFile("heap-info", ".txt");
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(pid), "GC.heap_info").redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "jcmd got no answer within 30 s";
      }
      String text = Files.readString(out);
      Files.deleteIfExists(out);
      for (String line : text.split("\n")) {
        if (line.contains("total") && line.contains("used")) return line.trim();
      }
      return text.trim();
    } catch (IOException e) {
      return "jcmd: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * The attackers: non-blocking sockets, each announcing a 64 KiB token request body. Even slots send one byte per
   * tick; odd slots send 60 KiB at once and then stall. A slot whose connection the server closed (refused at the
   * connection limit, or 408 at the body timeout) is opened again, at most once a second. Not thread-safe.
   */
  private static final class Attack implements AutoCloseable {
    static final byte[] HEAD = ("POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Content-Length: 65536\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    static final byte[] FILL = "a".repeat(60 * 1024).getBytes(StandardCharsets.US_ASCII);

    static final int MAX_OPENS_PER_TICK = 300;

    final InetSocketAddress target;
    final SocketChannel[] slots = new SocketChannel[CONNECTIONS];
    final ByteBuffer[] pending = new ByteBuffer[CONNECTIONS];
    final long[] openedAt = new long[CONNECTIONS];
    final ByteBuffer sink = ByteBuffer.allocate(4096);
    volatile long opened;
    volatile long ticks;
    volatile Throwable failure;

    Attack(URI token) {
      this.target = new InetSocketAddress(token.getHost(), token.getPort());
    }

    void tick() {
      ticks++;
      long now = System.nanoTime();
      int opens = 0;
      for (int i = 0; i < CONNECTIONS; i++) {
        if (slots[i] != null && !alive(i)) closeSlot(i);
        if (slots[i] == null) {
          // at most a second's worth of opens per tick, so that the open slots keep trickling on time
          if (now - openedAt[i] < TimeUnit.SECONDS.toNanos(1) || opens >= MAX_OPENS_PER_TICK) continue;
          opens++;
          openedAt[i] = now;
          try {
            SocketChannel c = SocketChannel.open(target);
            c.configureBlocking(false);
            slots[i] = c;
            opened++;
            pending[i] = ByteBuffer.wrap(i % 2 == 0 ? HEAD : concat(HEAD, FILL));
          } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Too many open files")) {
              throw new AssertionError("the open-file limit is too low for " + CONNECTIONS + " connections: raise it"
                  + " (ulimit -n) or size the test down", e);
            }
            continue;
          }
        }
        try {
          if (pending[i] != null && pending[i].hasRemaining()) {
            slots[i].write(pending[i]);
          } else if (i % 2 == 0) {
            slots[i].write(ByteBuffer.wrap(new byte[] {'a'}));
          }
        } catch (IOException e) {
          closeSlot(i);
        }
      }
    }

    /** False once the server has closed the connection (whatever it answered before). */
    private boolean alive(int i) {
      try {
        sink.clear();
        int n = slots[i].read(sink);
        while (n > 0) {
          sink.clear();
          n = slots[i].read(sink);
        }
        return n >= 0;
      } catch (IOException e) {
        return false;
      }
    }

    private void closeSlot(int i) {
      try {
        slots[i].close();
      } catch (IOException e) {
        // closing a test socket
      }
      slots[i] = null;
    }

    @Override
    public void close() {
      for (int i = 0; i < CONNECTIONS; i++) if (slots[i] != null) closeSlot(i);
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] all = new byte[a.length + b.length];
      System.arraycopy(a, 0, all, 0, a.length);
      System.arraycopy(b, 0, all, a.length, b.length);
      return all;
    }
  }
}
