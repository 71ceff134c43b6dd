package com.doit.idp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code bin/bench --smoke} in-process (every part, tiny counts: a real SoftHSM2 token, the real server and
 * keys-admin in their own JVMs, mock-oauth2-server as the SSO issuer, nginx and wrk where installed) so the benchmark
 * cannot rot. It checks that the report is complete and well formed, never how fast anything was.
 */
class BenchSmokeTest {

  @Test
  void theSmokeRunCompletesEveryPartAndWritesAWellFormedReport() throws Exception {
    Options o = Options.smokeRun().with(b -> {
      b.work = Path.of("target/bench-smoke-test");
      b.out = Path.of("target/bench-smoke-test/PERFORMANCE.md");
      b.repo = Path.of("..");
      b.productJars = false; // the test's class path holds the server and keys-admin
      b.command = "mvn verify (BenchSmokeTest)";
    });
    Bench.Outcome outcome = new Bench(o).run();

    assertEquals(List.of(), outcome.failures());
    String md = Files.readString(outcome.report());
    assertEquals(md, outcome.markdown());
    for (String heading : List.of("# Performance", "## Machine and versions", "## Targets",
        "## Part 1: the limit", "## Part 2: token exchange", "## Part 3: public documents",
        "## Part 4: scale", "## Part 5: rotation under load", "## Where the time goes")) {
      assertTrue(md.contains("\n" + heading) || md.startsWith(heading), "missing " + heading);
    }
    assertTrue(md.contains("Command: `mvn verify (BenchSmokeTest)`"));
    assertTrue(md.contains("| `nproc` | 2 |") || md.matches("(?s).*\\| `nproc` \\| \\d+ \\|.*"));

    // Part 1: four measured rows (RS256 and ES256, 1 and 2 threads) with a rate.
    Matcher p1 = Pattern.compile("\\| (RS256|ES256) \\([^)]+\\) \\| [12] \\| ([\\d,.]+) \\|").matcher(md);
    int rows = 0;
    while (p1.find()) rows++;
    assertEquals(4, rows, "part 1 rows");

    // Part 2: a row per role and concurrency, each with an error count and a ratio to part 1.
    for (String alg : List.of("RS256", "ES256")) {
      for (int c : o.concurrencies()) {
        assertTrue(md.contains("| " + alg + ", concurrency " + c + " | "), "part 2 row " + alg + " c" + c);
      }
    }
    // Part 3: the server's documents; nginx beside them where it is installed.
    assertTrue(md.contains("| jwks: aws-ops-idp | "));
    assertTrue(md.contains("| discovery: aws-ops-idp | "));
    if (Proc.which("nginx").isPresent()) assertTrue(md.contains("| jwks: nginx, same bytes | "));
    // Part 4: both role counts, start, memory and keys-admin.
    assertTrue(md.contains("| RS256 c8 | "));
    assertTrue(md.contains("server start to ready"));
    assertTrue(md.contains("`keys-admin role list`"));
    // Part 5: the per-second series and an error count from a rotation that was made.
    assertTrue(md.contains("Rotation call: HTTP 2"), "the rotation call");
    assertTrue(md.matches("(?s).*errors \\(anything but 200, or no answer\\): \\*\\*\\d+\\*\\*.*"));
    // Where the time goes: three profiles with layers.
    assertEquals(3, md.split("\\| layer \\| share of samples \\|", -1).length - 1);
    // Targets: every target of the issue has a row.
    for (String goal : List.of("RS256 token exchange", "ES256 token exchange", "rotation under load",
        "start to ready", "resident memory", "roles against")) {
      assertTrue(md.contains("| " + goal) || md.contains(goal), "target row " + goal);
    }
  }
}
