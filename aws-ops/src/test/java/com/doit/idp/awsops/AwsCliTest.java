package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real AWS CLI (bin/test installs it when it is missing) with a config file written by {@code aws-ops
 * configure}: {@code aws sts get-caller-identity --profile doit-<account>} runs {@code aws-ops credentials} itself
 * through {@code credential_process}, then signs its call with those credentials against the STS stand-in, which
 * names the engineer's assumed role.
 */
class AwsCliTest {
  @TempDir static Path dir;
  private static TestDeployment deployment;

  @BeforeAll
  static void start() throws IOException {
    deployment = new TestDeployment(dir.resolve("deployment"));
  }

  @AfterAll
  static void stop() {
    deployment.close();
  }

  /** The {@code aws} program on PATH; a missing one fails the test (never skips it). */
  static Path awsCli() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, "aws");
      if (Files.isExecutable(p)) return p;
    }
    throw new AssertionError("the AWS CLI (aws) is not on PATH: run bin/test, which installs it (apt-get install "
        + "awscli), or install it yourself");
  }

  /** A launcher like bin/aws-ops, for the class path under test: what configure writes into credential_process. */
  private static Path launcher() throws IOException {
    Path script = dir.resolve("install dir/bin/aws-ops"); // a space in the path: configure must quote it
    Files.createDirectories(script.getParent());
    List<String> command = AwsOpsProcess.command();
    StringBuilder line = new StringBuilder("exec");
    for (String word : command) line.append(" '").append(word.replace("'", "'\\''")).append('\'');
    Files.writeString(script, "#!/bin/sh\n" + line + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void theAwsCliRunsAwsOpsThroughTheProfileThatConfigureWrote() throws Exception {
    Path cli = awsCli();
    String account = deployment.grantedAccount();
    Path home = dir.resolve("jane");
    Engineer jane = new Engineer(home, deployment.engineerEnv(home));
    jane.launcher = launcher();
    Engineer.Run login = jane.run("login");
    jane.awaitBrowser();
    assertEquals(0, login.exit(), login.err());
    Path config = Path.of(jane.env.get("AWS_CONFIG_FILE"));
    Files.createDirectories(config.getParent());
    Files.writeString(config, "[default]\nregion = eu-west-1\n\n[profile mine]\nregion = us-west-2\n");

    Engineer.Run configure = jane.run("configure");
    assertEquals(0, configure.exit(), configure.err());
    assertEquals("doit-" + account + "\n", configure.out());
    String written = Files.readString(config);
    assertTrue(written.startsWith("[default]\nregion = eu-west-1\n\n[profile mine]\nregion = us-west-2\n"), written);
    assertTrue(written.contains("credential_process = \"" + jane.launcher + "\" credentials --account " + account), written);

    List<String> command = new ArrayList<>(List.of(cli.toString(), "sts", "get-caller-identity", "--profile",
        "doit-" + account, "--endpoint-url", deployment.aws.stsEndpoint().toString(), "--output", "json"));
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    Optional.ofNullable(System.getenv("PYENV_ROOT")).ifPresent(v -> env.put("PYENV_ROOT", v));
    env.putAll(jane.env);
    env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve(".aws/credentials").toString());
    env.put("AWS_DEFAULT_REGION", "us-east-1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("AWS_PAGER", "");
    pb.redirectErrorStream(false);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "aws did not finish");
    assertEquals(0, p.exitValue(), "aws failed: " + err + out);
    Map<String, Object> identity = JSONObjectUtils.parse(out);
    assertEquals("arn:aws:sts::" + account + ":assumed-role/DoiT-Support-" + deployment.engineer + "/" + deployment.engineer, identity.get("Arn"), out);
    assertEquals(account, identity.get("Account"));
    assertEquals(1, deployment.exchanges(), "the CLI's credential_process made the one exchange");
    assertTrue(Files.exists(jane.cache().resolve("credentials-" + account)));
  }
}
