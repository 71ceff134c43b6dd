package com.doit.idp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KeysAdmin#main} in a process of its own, launched the way {@code bin/keys-admin} launches it: the exit code
 * reaches the shell, stdout and stderr are what the in-process tests see, and nothing else is logged.
 */
class MainProcessTest {
  @TempDir
  Path dir;

  private record Result(int code, String out, String err) {}

  private Result launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "-Didp.home=" + dir,
        "-cp", System.getProperty("java.class.path"),
        KeysAdmin.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("IDP_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keys-admin did not end");
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void theProcessExitsZeroOneOrTwoWithOneLineOnFailure() throws Exception {
    Result help = launch(Map.of(), "--help");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().contains("Usage: keys-admin"), help.out());

    Result usage = launch(Map.of(), "role", "frobnicate");
    assertEquals(2, usage.code());
    assertTrue(usage.err().contains("Usage: keys-admin role"), usage.err());

    Cli.write(dir.resolve("idp.conf"), "hsm.token-label = t\nsso.issuer = https://sso.example.com\n"
        + "sso.audiences = a\nsso.allowed-domains = doit.com\n");
    Result policy = launch(Map.of("IDP_HSM_PIN", Cli.PIN), "role", "trust-policy", "123456789012/alice",
        "--config", dir.resolve("idp.conf").toString());
    assertEquals(0, policy.code(), policy.err());
    assertTrue(policy.out().contains("oidc-provider/oidc.aws-ops.doit-intl.com/123456789012/alice"), policy.out());

    Result failure = launch(Map.of(), "--dev", "role", "list");
    assertEquals(1, failure.code());
    assertEquals("keys-admin: --dev: " + dir.resolve("var/dev/idp.conf") + " does not exist; 'bin/idp-server --dev' writes it\n",
        failure.err());
    assertEquals("", failure.out());
    assertFalse(failure.err().contains(Cli.PIN));
  }
}
