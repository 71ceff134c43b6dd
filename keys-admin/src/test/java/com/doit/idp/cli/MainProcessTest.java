package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KeysAdmin#main} in a process of its own, launched the way {@code bin/keys-admin} launches it: the exit code
 * reaches the shell, stdout and stderr are what the in-process tests see, and nothing else is logged.
 */
class MainProcessTest {
  @TempDir
  Path dir;

  @Test
  void theProcessExitsZeroOneOrTwoWithOneLineOnFailure() {
    Cli.Run help = Launcher.launch(dir, Map.of(), "--help");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().contains("Usage: keys-admin"), help.out());

    Cli.Run usage = Launcher.launch(dir, Map.of(), "role", "frobnicate");
    assertEquals(2, usage.code());
    assertTrue(usage.err().contains("Usage: keys-admin role"), usage.err());

    Cli.Run failure = Launcher.launch(dir, Map.of(), "--dev", "role", "list");
    failure.failsWithOneLine("--dev: " + dir.resolve("var/dev/idp.conf") + " does not exist; 'bin/idp-server --dev' writes it");
    assertEquals("", failure.out());
    assertFalse(failure.err().contains(Cli.PIN));
  }
}
