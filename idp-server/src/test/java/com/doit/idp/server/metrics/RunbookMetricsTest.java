package com.doit.idp.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.server.ProjectFiles;
import com.doit.idp.server.TestServer;
import com.doit.idp.server.sso.SsoTestIssuer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real server after real traffic (a role created, a token minted, a token refused, public
 * documents fetched): the JVM and process series are there, every latency is a histogram with buckets and no
 * quantile, and docs/RUNBOOK.md names only series and labels that exist: every {@code expr:} of its alerting rules
 * is read as PromQL (metric names, label matchers, {@code by}/{@code without}/{@code on}/{@code ignoring} labels),
 * and every {@code idp_...{labels}} of its table, and each is looked up in the scrape.
 */
class RunbookMetricsTest {
  static final String ACCOUNT = "123456789012";
  /** Labels Prometheus adds to every series it scrapes (target labels), absent from the scrape itself. */
  static final Set<String> TARGET_LABELS = Set.of("instance", "job");
  static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");
  static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)\\}");
  static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+\\S+.*");
  static final Pattern SCRAPED_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir static Path dir;
  static SsoTestIssuer sso;
  static TestServer t;
  /** Series name -> label name -> the values scraped. */
  static final Map<String, Map<String, Set<String>>> scraped = new HashMap<>();
  static final Set<String> families = new HashSet<>();
  static String scrape;

  @BeforeAll
  static void trafficThenScrape() {
    sso = new SsoTestIssuer();
    IdpConfig config = TestServer.config(dir, Map.of("sso.issuer", sso.issuer().toString(),
        "sso.audiences", SsoTestIssuer.AUDIENCE, "sso.allowed-domains", SsoTestIssuer.DOMAIN), true);
    t = TestServer.production(config, null, Instant.now());
    t.createRole(ACCOUNT, "alice");
    assertEquals(200, exchange("alice").statusCode());
    assertEquals(400, exchange("bob").statusCode());
    assertEquals(200, t.get("public", "/" + ACCOUNT + "/alice/jwks.json").statusCode());
    assertEquals(404, t.get("public", "/" + ACCOUNT + "/nobody/jwks.json").statusCode());
    assertEquals(200, t.get("management", "/readyz").statusCode());
    // GC pauses are registered at the first one: make one, and wait for its notification to be counted.
    long deadline = System.nanoTime() + 20_000_000_000L;
    do {
      System.gc();
      read(t.get("management", "/metrics").body());
    } while (!scraped.containsKey("jvm_gc_pause_seconds_count") && System.nanoTime() < deadline);
  }

  @AfterAll
  static void stop() {
    if (t != null) t.close();
    if (sso != null) sso.close();
  }

  static HttpResponse<String> exchange(String engineer) {
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(sso.idToken(engineer + "@" + SsoTestIssuer.DOMAIN))
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:id_token")
        + "&resource=" + enc("arn:aws:iam::" + ACCOUNT + ":role/DoiT-Support-" + engineer);
    return t.send(HttpRequest.newBuilder(t.url("token", "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static void read(String text) {
    scrape = text;
    scraped.clear();
    families.clear();
    for (String line : text.lines().toList()) {
      if (line.startsWith("# TYPE ")) families.add(line.split(" ")[2]);
      if (line.startsWith("#") || line.isBlank()) continue;
      Matcher m = SERIES.matcher(line);
      assertTrue(m.matches(), "not a Prometheus sample line: " + line);
      Map<String, Set<String>> labels = scraped.computeIfAbsent(m.group(1), k -> new HashMap<>());
      if (m.group(2) == null) continue;
      Matcher l = SCRAPED_LABEL.matcher(m.group(2));
      while (l.find()) labels.computeIfAbsent(l.group(1), k -> new HashSet<>()).add(l.group(2));
    }
  }

  static String value(String seriesPrefix) {
    return scrape.lines().filter(l -> l.startsWith(seriesPrefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + seriesPrefix)).replaceAll(".* ", "");
  }

  @Test
  void theJvmAndProcessSeriesArePublished() {
    for (String name : List.of("jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_gc_pause_seconds_count",
        "jvm_threads_live_threads", "jvm_threads_states_threads", "process_files_open_files",
        "process_files_max_files", "process_uptime_seconds", "process_start_time_seconds", "process_cpu_usage",
        "process_resident_memory_bytes")) {
      assertTrue(scraped.containsKey(name), name + " missing from the scrape");
    }
    assertTrue(scraped.get("jvm_memory_used_bytes").get("area").containsAll(Set.of("heap", "nonheap")));
    double rss = Double.parseDouble(value("process_resident_memory_bytes "));
    assertTrue(rss > 1_000_000, "resident memory " + rss);
  }

  @Test
  void latenciesAreHistogramsWithBucketsAndNoQuantiles() {
    for (String family : List.of("idp_http_requests_seconds", "idp_token_exchange_seconds",
        "idp_hsm_operation_seconds")) {
      assertTrue(scrape.contains("# TYPE " + family + " histogram"), family + " is not a histogram");
      Set<String> le = scraped.get(family + "_bucket").get("le");
      assertTrue(le.containsAll(Set.of("5.0E-4", "0.1", "10.0", "+Inf")) || le.containsAll(Set.of("0.0005", "0.1",
          "10.0", "+Inf")), family + " buckets " + le);
    }
    assertTrue(scraped.get("idp_hsm_operation_seconds_bucket").get("operation").contains("sign"));
    assertFalse(scrape.contains("quantile="), "a client-side quantile is published");
    assertEquals("0.0", value("idp_hsm_failures_total{operation=\"sign\"}"), "failure counters exist from the start");
  }

  @Test
  void everyAlertOfTheRunbookNamesSeriesAndLabelsThatExist() {
    List<String> expressions = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\s*expr:\\s*(.+)$").matcher(ProjectFiles.read("docs/RUNBOOK.md"));
    while (m.find()) expressions.add(m.group(1).strip());
    assertTrue(expressions.size() >= 8, "the runbook's alerting rules: " + expressions);
    List<String> problems = new ArrayList<>();
    for (String expr : expressions) problems.addAll(check(expr));
    assertEquals(List.of(), problems);
  }

  @Test
  void everySeriesOfTheRunbookTableExistsWithItsLabels() {
    List<String> problems = new ArrayList<>();
    Matcher m = Pattern.compile("`((?:idp|jvm|process)_[a-z0-9_]+)(?:\\{([a-z_,]*)\\})?`")
        .matcher(ProjectFiles.read("docs/RUNBOOK.md"));
    int seen = 0;
    while (m.find()) {
      seen++;
      String name = m.group(1);
      if (!families.contains(name) && !scraped.containsKey(name)) {
        problems.add(name + ": no such series or family in the scrape");
        continue;
      }
      if (m.group(2) == null) continue;
      for (String label : m.group(2).split(",")) {
        if (!labelsOf(name).contains(label)) problems.add(name + ": no label " + label);
      }
    }
    assertTrue(seen >= 5, "the runbook's table names " + seen + " series");
    assertEquals(List.of(), problems);
  }

  /** The labels of a series, or of any series of its family ({@code _bucket}, {@code _count}, ...). */
  static Set<String> labelsOf(String name) {
    Set<String> out = new HashSet<>();
    scraped.forEach((series, labels) -> {
      if (series.equals(name) || series.startsWith(name + "_")) out.addAll(labels.keySet());
    });
    return out;
  }

  /** What is wrong with one PromQL expression: metrics, matcher labels and values, grouping labels. */
  static List<String> check(String expr) {
    List<String> problems = new ArrayList<>();
    Matcher s = SELECTOR.matcher(expr);
    while (s.find()) {
      String metric = s.group(1);
      if (metric == null || !scraped.containsKey(metric)) continue; // a missing metric is reported below
      Matcher mm = MATCHER.matcher(s.group(2));
      while (mm.find()) {
        Set<String> values = scraped.get(metric).get(mm.group(1));
        if (values == null) {
          problems.add(expr + ": " + metric + " has no label " + mm.group(1));
        } else if (mm.group(2).equals("=") && !values.contains(mm.group(3))) {
          problems.add(expr + ": " + metric + "{" + mm.group(1) + "} never is \"" + mm.group(3) + "\" " + values);
        }
      }
    }
    String rest = SELECTOR.matcher(expr).replaceAll(r -> r.group(1) == null ? " " : r.group(1) + " ");
    rest = rest.replaceAll("\\[[^\\]]*\\]", " ").replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ");
    List<String> grouping = new ArrayList<>();
    Matcher g = GROUPING.matcher(rest);
    while (g.find()) {
      for (String label : g.group(2).split(",")) if (!label.isBlank()) grouping.add(label.strip());
    }
    rest = GROUPING.matcher(rest).replaceAll(" ");
    Set<String> metrics = new HashSet<>();
    Matcher id = IDENTIFIER.matcher(rest);
    while (id.find()) {
      String word = id.group(1);
      if (id.group(2) != null || PROMQL_WORDS.contains(word.toLowerCase(Locale.ROOT))) continue; // function, keyword
      metrics.add(word);
      if (!scraped.containsKey(word)) problems.add(expr + ": no series " + word + " in the scrape");
    }
    for (String label : grouping) {
      if (TARGET_LABELS.contains(label) || label.equals("le") && metrics.stream().anyMatch(n -> n.endsWith("_bucket"))) {
        continue;
      }
      boolean found = metrics.stream().anyMatch(n -> scraped.containsKey(n) && scraped.get(n).containsKey(label));
      if (!found) problems.add(expr + ": no series of " + metrics + " has the label " + label);
    }
    return problems;
  }

  @Test
  void theCheckOfAnExpressionFindsWhatDoesNotExist() {
    assertEquals(List.of(), check("sum by (operation) (rate(idp_hsm_failures_total[5m])) > 0"));
    assertEquals(1, check("rate(idp_hsm_failure_total[5m]) > 0").size(), "a misspelt series");
    assertEquals(1, check("sum by (outcome) (rate(idp_hsm_failures_total[5m])) > 0").size(), "a missing label");
    assertEquals(1, check("idp_hsm_operation_seconds_count{outcome=\"error\"} > 0").size(), "a missing label");
    assertEquals(1, check("idp_http_requests_seconds_count{listener=\"admin\"} > 0").size(), "a value never seen");
  }
}
