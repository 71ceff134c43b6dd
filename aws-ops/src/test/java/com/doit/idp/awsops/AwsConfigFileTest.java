package com.doit.idp.awsops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code configure}'s edit of the AWS config file: only the profiles aws-ops wrote change. */
class AwsConfigFileTest {
  @TempDir Path dir;
  private static final Path LAUNCHER = Path.of("/opt/aws-ops/bin/aws-ops");

  private static Map<String, List<String>> profiles(String... accounts) {
    return AwsConfigFile.profiles(List.of(accounts), "doit-", LAUNCHER);
  }

  @Test
  void aNewFileHoldsOneProfilePerAccountWithMode600() throws Exception {
    Path file = dir.resolve(".aws/config");
    AwsConfigFile.Change c = AwsConfigFile.update(file, profiles("111122223333", "444455556666"));
    assertEquals(List.of("doit-111122223333", "doit-444455556666"), c.written());
    assertEquals("[profile doit-111122223333]\n" + AwsConfigFile.MARKER + "\n"
        + "credential_process = /opt/aws-ops/bin/aws-ops credentials --account 111122223333\n\n"
        + "[profile doit-444455556666]\n" + AwsConfigFile.MARKER + "\n"
        + "credential_process = /opt/aws-ops/bin/aws-ops credentials --account 444455556666\n", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void runningAgainReplacesOnlyItsOwnProfilesAndKeepsEveryOtherLine() throws Exception {
    Path file = dir.resolve("config");
    String mine = "# my settings\n[default]\nregion = eu-west-1\n\n[profile work]\nsso_session = corp ; keep\nregion = us-east-2\n";
    Files.writeString(file, mine);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    AwsConfigFile.update(file, profiles("111122223333", "444455556666"));
    Files.writeString(file, Files.readString(file) + "\n[sso-session corp]\nsso_region = us-east-1\n");
    AwsConfigFile.Change c = AwsConfigFile.update(file, profiles("444455556666", "777788889999"));
    assertEquals(List.of("doit-111122223333"), c.removed());
    String text = Files.readString(file);
    assertTrue(text.startsWith(mine), text);
    assertTrue(text.contains("[profile doit-444455556666]"), text);
    assertTrue(text.contains("[profile doit-777788889999]"), text);
    assertTrue(!text.contains("111122223333"), text);
    assertTrue(text.endsWith("[sso-session corp]\nsso_region = us-east-1\n"), text);
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "the mode is kept");
    // and a run with the same accounts changes nothing
    AwsConfigFile.update(file, profiles("444455556666", "777788889999"));
    assertEquals(text, Files.readString(file));
  }

  @Test
  void aProfileOfTheSameNameThatAwsOpsDidNotWriteIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("config");
    String mine = "[profile doit-111122223333]\nrole_arn = arn:aws:iam::111122223333:role/Mine\n";
    Files.writeString(file, mine);
    AwsOpsException e = assertThrows(AwsOpsException.class, () -> AwsConfigFile.update(file, profiles("111122223333")));
    assertTrue(e.getMessage().contains("already has a profile doit-111122223333 that aws-ops did not write"), e.getMessage());
    assertEquals(mine, Files.readString(file));
  }

  @Test
  void aLauncherPathWithSpacesIsQuotedAsTheAwsCliSplitsIt() {
    assertEquals("\"/Users/Jane Doe/aws-ops/bin/aws-ops\"", AwsConfigFile.shellWord("/Users/Jane Doe/aws-ops/bin/aws-ops"));
    assertEquals("/opt/aws-ops/bin/aws-ops", AwsConfigFile.shellWord("/opt/aws-ops/bin/aws-ops"));
  }

  @Test
  void theConfigFileIsAwsConfigFileElseTheHomes() {
    assertEquals(Path.of("/tmp/x/config"), AwsConfigFile.path(Map.of("AWS_CONFIG_FILE", "/tmp/x/config", "HOME", "/home/j")));
    assertEquals(Path.of("/home/j/.aws/config"), AwsConfigFile.path(Map.of("HOME", "/home/j")));
  }
}
