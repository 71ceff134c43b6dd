package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The baseline for the public documents: nginx serving the very bytes the server serves, as static files, on a
 * loopback port, with its own prefix folder, configuration, pid file and error log (nothing of the system's nginx
 * is used or touched). Workers: one per vCPU ({@code auto}); no access log; keep-alive connections are not closed
 * after 1,000 requests (nginx's default), so wrk measures serving, not reconnecting.
 *
 * <p>Not thread-safe; {@link #close()} stops it.
 */
final class Nginx implements AutoCloseable {
  final int port;
  private final Process process;

  private Nginx(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** {@code nginx -v}, for the report. */
  static String version(Path binary) {
    return Proc.firstLine(binary.toString(), "-v").replace("nginx version: ", "");
  }

  /** Writes {@code files} (URL path to bytes) under {@code dir}/www and starts nginx on a free port. */
  static Nginx start(Path binary, Path dir, Map<String, byte[]> files) {
    try {
      Files.createDirectories(dir);
      Path www = Files.createDirectories(dir.resolve("www"));
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path p = www.resolve(f.getKey().substring(1));
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue());
      }
      int port = Proc.freePort();
      // As root, nginx's workers would switch to "nobody", who may not read the work folder.
      String user = "root".equals(System.getProperty("user.name")) ? "user root root;\n" : "";
      String conf = user + """
          worker_processes auto;
          pid %1$s/nginx.pid;
          error_log %1$s/error.log warn;
          events { worker_connections 4096; }
          http {
            access_log off;
            sendfile on;
            tcp_nopush on;
            keepalive_requests 10000000;
            keepalive_timeout 60s;
            types { }
            default_type application/json;
            client_body_temp_path %1$s/tmp-body;
            proxy_temp_path %1$s/tmp-proxy;
            fastcgi_temp_path %1$s/tmp-fastcgi;
            uwsgi_temp_path %1$s/tmp-uwsgi;
            scgi_temp_path %1$s/tmp-scgi;
            server {
              listen 127.0.0.1:%2$d;
              root %3$s;
              location / {
                add_header Cache-Control "public, max-age=300";
              }
            }
          }
          """.formatted(dir, port, www);
      Path confFile = dir.resolve("nginx.conf");
      Files.writeString(confFile, conf);
      Path log = dir.resolve("nginx.out");
      Process p = new ProcessBuilder(List.of(binary.toString(), "-p", dir.toString(), "-c", confFile.toString(),
          "-e", dir.resolve("error.log").toString(), "-g", "daemon off;"))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException("nginx exited " + p.exitValue() + ": " + Proc.tail(Files.readString(log), 600));
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new Nginx(port, p);
        } catch (IOException notYet) {
          Thread.sleep(20);
        }
      }
      Proc.stop(p, Duration.ofSeconds(5));
      throw new IllegalStateException("nginx did not listen within 20 s");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nginx", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    Proc.stop(process, Duration.ofSeconds(10));
  }
}
