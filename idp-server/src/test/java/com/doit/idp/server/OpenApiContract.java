package com.doit.idp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * docs/openapi.yaml as a contract: every response the end-to-end tests receive is held to it. The test clients call
 * {@link #check} on every response ({@link TestServer#send}, {@code hostile.RawHttp}, {@code lifecycle.LifecycleServer}),
 * so a change of the server that the document does not follow fails the suite, and so does a document that promises
 * what the server does not do.
 *
 * <p>For a request whose path and method the document lists: the status must be one of the operation's responses;
 * every header the response declares {@code required} must be there and match its schema; a response that declares
 * content must come with one of its media types and a body, one that declares none must come without; a JSON body must
 * match its schema. Schemas are validated by networknt's json-schema-validator in the OpenAPI 3.1 dialect, straight
 * from the document (so {@code $ref}s resolve in it); the lookup of path, method, status and media type is this
 * class's. Requests are not validated (tests send malformed ones on purpose); a path or method the document does not
 * list for the listener that answered ({@code x-listener}; servers {@link #register} their ports) is not an API
 * interaction and is left to the test's own assertions (404, 405), and so are the refusals of Undertow's parser
 * (400, 414, 431, before any handler runs).
 *
 * <p>Thread-safe: the document is read once, schemas are compiled once per location and kept.
 */
public final class OpenApiContract {
  /** The id the document is known by to the schema registry; it is never fetched. */
  private static final String ID = "https://aws-ops-idp.invalid/docs/openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode API;
  private static final SchemaRegistry REGISTRY;
  private static final List<Template> PATHS = new ArrayList<>();
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
  /** Port -> listener name (public, token, management). */
  private static final Map<Integer, String> LISTENERS = new ConcurrentHashMap<>();
  /** The refusals of Undertow's parser: no handler ran, no body. */
  private static final java.util.Set<Integer> PARSER_REFUSALS = java.util.Set.of(400, 414, 431);

  static {
    try {
      API = new YAMLMapper().readTree(ProjectFiles.read("docs/openapi.yaml"));
      String json = JSON.writeValueAsString(API);
      // the document's own members are not schema keywords: known to the dialect, they are not warned about
      Dialect dialect = Dialect.builder(Dialects.getOpenApi31()).keywords(java.util.stream.Stream.of("openapi", "info",
          "servers", "tags", "paths", "components", "security", "webhooks", "externalDocs")
          .map(NonValidationKeyword::new).toList()).build();
      REGISTRY = SchemaRegistry.withDefaultDialect(dialect, b -> b.schemas(Map.of(ID, json)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    API.get("paths").fieldNames().forEachRemaining(p -> PATHS.add(Template.of(p)));
    // "/admin/roles/{account}/{engineer}" before a template with fewer literal characters that also matches
    PATHS.sort(Comparator.comparingInt(Template::literals).reversed());
  }

  private OpenApiContract() {}

  /** A path of the document as a regex; {@code literals} counts its characters outside {@code {parameters}}. */
  private record Template(String path, Pattern regex, int literals) {
    static Template of(String path) {
      StringBuilder regex = new StringBuilder();
      int literals = 0;
      for (String part : path.split("(?=\\{)|(?<=\\})")) {
        if (part.startsWith("{")) {
          regex.append("[^/]+");
        } else {
          regex.append(Pattern.quote(part));
          literals += part.length();
        }
      }
      return new Template(path, Pattern.compile(regex.toString()), literals);
    }
  }

  /** The listeners of a server just started, by port, so that a path is looked up for the listener it reached. */
  public static void register(IdpServer server) {
    for (String name : IdpServer.LISTENERS) register(server.address(name).getPort(), name);
  }

  /** The listener {@code name} answers on {@code port}. */
  public static void register(int port, String name) {
    LISTENERS.put(port, name);
  }

  /** Checks a response from {@code java.net.http} (its body as text, or none). */
  public static void check(HttpResponse<?> response) {
    Object body = response.body();
    check(response.uri().getPort(), response.request().method(), response.uri().getRawPath(),
        response.statusCode(), response.headers().map(), body instanceof String s ? s : null);
  }

  /**
   * Checks the response to raw request bytes: the method and target of their request line (origin-form or
   * absolute-form); a request line that has neither names no operation.
   */
  public static void check(int port, byte[] request, int status, Map<String, List<String>> headers, String body) {
    String head = new String(request, 0, Math.min(request.length, 16 * 1024), java.nio.charset.StandardCharsets.ISO_8859_1);
    int eol = head.indexOf("\r\n");
    String[] line = (eol < 0 ? head : head.substring(0, eol)).split(" ");
    if (line.length != 3 || status < 0) return;
    String target = line[1];
    if (target.startsWith("http://") || target.startsWith("https://")) {
      int slash = target.indexOf('/', target.indexOf("//") + 2);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    if (!target.startsWith("/")) return;
    int end = target.length();
    for (char c : new char[] {'?', '#'}) if (target.indexOf(c) >= 0) end = Math.min(end, target.indexOf(c));
    check(port, line[0], target.substring(0, end), status, headers, body);
  }

  /**
   * Checks one response.
   *
   * @param port the port that answered: its listener, if {@link #register}ed, picks the paths
   * @param headers response headers, names in any case
   * @param body the body as text, null or empty when there is none
   * @throws AssertionError naming every way the response breaks the document
   */
  public static void check(int port, String method, String path, int status, Map<String, List<String>> headers,
      String body) {
    String listener = LISTENERS.get(port);
    boolean parserRefusal = PARSER_REFUSALS.contains(status) && (body == null || body.isEmpty())
        && header(headers, "Content-Type").isEmpty();
    if (parserRefusal) return;
    Optional<Template> template = PATHS.stream().filter(t -> t.regex().matcher(path).matches())
        .filter(t -> listener == null || listener.equals(API.at("/paths/" + escape(t.path()) + "/x-listener").asText()))
        .findFirst();
    if (template.isEmpty()) return;
    String pathPointer = "/paths/" + escape(template.get().path());
    // methods are case-sensitive (RFC 9110): "get" is not GET, and no operation of the document
    if (!method.equals(method.toUpperCase(Locale.ROOT))) return;
    JsonNode operation = API.at(pathPointer).get(method.toLowerCase(Locale.ROOT));
    if (operation == null || !operation.isObject()) return;
    String what = method + " " + path + " -> " + status + " "
        + (body == null ? "" : body.length() > 500 ? body.substring(0, 500) + "..." : body);
    List<String> problems = new ArrayList<>();
    String responsesPointer = pathPointer + "/" + method.toLowerCase(Locale.ROOT) + "/responses";
    String responsePointer = responsesPointer + "/" + status;
    if (API.at(responsePointer).isMissingNode()) responsePointer = responsesPointer + "/default";
    if (API.at(responsePointer).isMissingNode()) {
      throw new AssertionError("docs/openapi.yaml does not allow " + what + ": the operation lists no status " + status);
    }
    responsePointer = resolve(responsePointer);
    JsonNode response = API.at(responsePointer);

    JsonNode declaredHeaders = response.path("headers");
    for (Iterator<String> it = declaredHeaders.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      String headerPointer = resolve(responsePointer + "/headers/" + escape(name));
      List<String> values = header(headers, name);
      if (values.isEmpty()) {
        if (API.at(headerPointer).path("required").asBoolean(false)) problems.add("no header " + name);
        continue;
      }
      for (String value : values) problems.addAll(validate(headerPointer + "/schema", TextNode.valueOf(value), name));
    }

    JsonNode content = response.path("content");
    boolean hasBody = body != null && !body.isEmpty();
    if (content.isMissingNode() || content.isEmpty()) {
      if (hasBody) problems.add("a body, where the document declares none");
    } else {
      String contentType = header(headers, "Content-Type").stream().findFirst().orElse("");
      String mediaType = contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
      if (!content.has(mediaType)) {
        problems.add("Content-Type '" + contentType + "', the document says " + iterable(content.fieldNames()));
      } else if (!hasBody) {
        problems.add("no body, the document declares " + mediaType);
      } else if (mediaType.equals("application/json")) {
        JsonNode instance;
        try {
          instance = JSON.readTree(body);
        } catch (IOException e) {
          instance = null;
          problems.add("a body that is not JSON");
        }
        if (instance != null) {
          problems.addAll(validate(responsePointer + "/content/" + escape(mediaType) + "/schema", instance, "body"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("docs/openapi.yaml does not allow " + what + ":\n  " + String.join("\n  ", problems));
    }
  }

  /** The schema at {@code pointer} against {@code instance}; each error prefixed with {@code what}. */
  private static List<String> validate(String pointer, JsonNode instance, String what) {
    Schema schema = SCHEMAS.computeIfAbsent(pointer, p -> REGISTRY.getSchema(SchemaLocation.of(ID + "#" + p)));
    return schema.validate(instance).stream().map(e -> what + ": " + e).toList();
  }

  /** Follows {@code $ref}s (within the document) from {@code pointer} to the object they name. */
  private static String resolve(String pointer) {
    for (int hops = 0; hops < 10; hops++) {
      JsonNode ref = API.at(pointer).get("$ref");
      if (ref == null) return pointer;
      String target = ref.asText();
      if (!target.startsWith("#/")) throw new IllegalStateException("docs/openapi.yaml: external $ref " + target);
      pointer = target.substring(1);
    }
    throw new IllegalStateException("docs/openapi.yaml: $ref loop at " + pointer);
  }

  private static List<String> header(Map<String, List<String>> headers, String name) {
    List<String> out = new ArrayList<>();
    headers.forEach((k, v) -> {
      if (k != null && k.equalsIgnoreCase(name)) out.addAll(v);
    });
    return out;
  }

  /** A JSON pointer segment (RFC 6901). */
  private static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
