package com.doit.idp.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/lib/common.sh decides whether a launcher builds: a checkout with sources newer than its jars builds; an
 * unpacked distribution never does, and runs from lib/; and neither does a tree of jars without sources (the old
 * image's layout), where {@code find} with no folder used to search the working directory, find {@code var/} newer
 * than the jars and run Maven, which the image lacks.
 */
class LauncherTest {
  static final Path BIN = Path.of(System.getProperty("user.dir")).resolveSibling("bin");
  static final String VERSION = "0.1.0-SNAPSHOT";
  static final Instant BUILT = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  /** Runs {@code script} in bash, from {@code cwd}, after sourcing the tree's common.sh; its stdout. */
  static String bash(Path root, Path cwd, String script, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source '" + root.resolve("bin/lib/common.sh") + "'; " + script)
        .directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }

  /** A tree with bin/ and {@code files} (empty), every file dated {@link #BUILT}. */
  static Path tree(Path root, List<String> files) throws IOException {
    Files.createDirectories(root.resolve("bin/lib"));
    for (String s : List.of("lib/common.sh", "idp-server", "keys-admin", "check-token")) {
      Files.copy(BIN.resolve(s), root.resolve("bin").resolve(s));
    }
    for (String f : files) {
      Path p = root.resolve(f);
      Files.createDirectories(p.getParent());
      if (f.endsWith("/")) Files.createDirectories(p); else Files.writeString(p, "");
      Files.setLastModifiedTime(p, FileTime.from(BUILT));
    }
    return root;
  }

  static final List<String> JARS = List.of("idp-server/target/idp-server-" + VERSION + ".jar", "idp-server/target/lib/",
      "keys-admin/target/keys-admin-" + VERSION + ".jar", "keys-admin/target/lib/");

  @Test
  void jarsWithoutSourcesNeverBuildEvenWhenTheWorkingDirectoryHasNewerFiles() throws Exception {
    Path root = tree(dir.resolve("image"), JARS);
    Files.createDirectories(root.resolve("var"));
    Files.writeString(root.resolve("var/audit.log"), "newer than the jars\n");
    assertEquals("fresh", bash(root, root, "idp_build_needed && echo build || echo fresh", Map.of()));
  }

  @Test
  void aCheckoutWhoseSourcesAreNewerThanItsJarsBuilds() throws Exception {
    Path root = tree(dir.resolve("checkout"), JARS);
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.from(BUILT.minusSeconds(60)));
    assertEquals("fresh", bash(root, root, "idp_build_needed && echo build || echo fresh", Map.of()));
    Path source = root.resolve("idp-core/src/main/java/A.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class A {}");
    assertEquals("build", bash(root, root, "idp_build_needed && echo build || echo fresh", Map.of()));
  }

  @Test
  void aDistributionRunsFromLibAndNeedsNoMaven() throws Exception {
    Path root = tree(dir.resolve("aws-ops-idp-" + VERSION), List.of("lib/idp-server-" + VERSION + ".jar"));
    Path noMaven = Files.createDirectories(dir.resolve("path"));
    for (String tool : List.of("java", "readlink", "dirname")) {
      Files.createSymbolicLink(noMaven.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
    }
    String out = bash(root, dir, "echo \"dist=$IDP_DIST\"; idp_build_needed && echo build || echo fresh; "
        + "idp_ensure_built; idp_ensure_java && echo java-ok; idp_classpath keys-admin", Map.of("PATH", noMaven.toString()));
    assertEquals(List.of("dist=yes", "fresh", "java-ok", root.toRealPath() + "/lib/*"), out.lines().toList());
  }
}
