package com.doit.idp.server.hook;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local CloudFormation for tests: it makes custom-resource requests with a presigned-looking {@code ResponseURL} on
 * a loopback port (the server runs with {@code hooks.allow-loopback-response-url}), and records every answer
 * {@code PUT} there, with its {@code Content-Type}. As S3 does for a URL presigned without a content type, it refuses
 * an answer that carries a non-empty one. It can fail the next answers with 500, to test the retries. Thread-safe;
 * close it after the test.
 */
final class CloudFormationStandIn implements AutoCloseable {
  static final String LOGICAL_ID = "Hook";

  /** One answer as received: the request path it was for, its content type (null: none) and its JSON. */
  record Answer(String path, String contentType, Map<String, Object> json) {
    String status() {
      return (String) json.get("Status");
    }

    String reason() {
      return (String) json.get("Reason");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> data() {
      return (Map<String, Object>) json.getOrDefault("Data", Map.of());
    }
  }

  private final HttpServer server;
  private final List<Answer> answers = new ArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger failNext = new AtomicInteger();
  private int counter;

  CloudFormationStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  static String stackId(String account) {
    return "arn:aws:cloudformation:us-east-1:" + account + ":stack/DoiT-Support-Onboarding/5b2e4a70-1f1c-11ef-9f5d-0a1b2c3d4e5f";
  }

  /**
   * A custom-resource request as CloudFormation sends it for our stack in {@code account}: {@code type} Create,
   * Update or Delete, the properties our template gives the hook.
   */
  synchronized Map<String, Object> request(String type, String account, String topic, String physicalId) {
    String requestId = "req-" + (++counter) + "-" + System.nanoTime();
    String stack = stackId(account);
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/"
        + URLEncoder.encode(stack + "|" + LOGICAL_ID + "|" + requestId, StandardCharsets.UTF_8)
        + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=0123abcd";
    Map<String, Object> r = new java.util.LinkedHashMap<>();
    r.put("RequestType", type);
    r.put("ServiceToken", topic);
    r.put("ResponseURL", url);
    r.put("StackId", stack);
    r.put("RequestId", requestId);
    r.put("LogicalResourceId", LOGICAL_ID);
    if (physicalId != null) r.put("PhysicalResourceId", physicalId);
    r.put("ResourceType", "Custom::Hook");
    Map<String, Object> props = new java.util.LinkedHashMap<>();
    props.put("ServiceToken", topic);
    props.put("RoleArn", "arn:aws:iam::" + account + ":role/DoiT_Management_Role_DO-NOT-DELETE");
    props.put("AccountId", account);
    r.put("ResourceProperties", props);
    return r;
  }

  static String json(Map<String, Object> request) {
    return JSONObjectUtils.toJSONString(request);
  }

  /** The next {@code n} answers get 500, as an S3 hiccup would. */
  void failNext(int n) {
    failNext.set(n);
  }

  /** Every request received, answers and failures alike. */
  int requests() {
    return requests.get();
  }

  synchronized List<Answer> answers() {
    return List.copyOf(answers);
  }

  /** The answers recorded for {@code request}. */
  synchronized List<Answer> answersFor(Map<String, Object> request) {
    String path = URI.create((String) request.get("ResponseURL")).getRawPath();
    return answers.stream().filter(a -> a.path().equals(path)).toList();
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      requests.incrementAndGet();
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(8192);
      }
      int status;
      if (!ex.getRequestMethod().equals("PUT")) {
        status = 405;
      } else if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        status = 500;
      } else {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.isEmpty()) {
          status = 403; // SignatureDoesNotMatch: the URL was presigned without a content type
        } else {
          try {
            synchronized (this) {
              answers.add(new Answer(ex.getRequestURI().getRawPath(), type,
                  JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8))));
            }
            status = 200;
          } catch (ParseException e) {
            status = 400;
          }
        }
      }
      ex.sendResponseHeaders(status, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
