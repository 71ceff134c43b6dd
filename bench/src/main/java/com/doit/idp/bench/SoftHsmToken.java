package com.doit.idp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The benchmark's own SoftHSM2 token, created afresh under the work folder for each run: its {@code softhsm2.conf},
 * its token folder, a random user PIN that is never printed, and the slot SoftHSM2 gave it. Immutable once made.
 */
final class SoftHsmToken {
  static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
  private static final Pattern SLOT = Pattern.compile("reassigned to slot (\\d+)");

  final Path conf;
  final String label;
  final long slot;
  private final String pin;

  private SoftHsmToken(Path conf, String label, long slot, String pin) {
    this.conf = conf;
    this.label = label;
    this.slot = slot;
    this.pin = pin;
  }

  /** The user PIN, for the environment of the processes that log in ({@code IDP_HSM_PIN}); never for a log. */
  String pin() {
    return pin;
  }

  /** The environment that points SoftHSM2 at this token's configuration and carries the PIN. */
  Map<String, String> env() {
    return Map.of("SOFTHSM2_CONF", conf.toString(), "IDP_HSM_PIN", pin);
  }

  /** Deletes whatever {@code dir} held and initializes one token there; throws if softhsm2-util fails. */
  static SoftHsmToken create(Path dir, String label) {
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> s = Files.walk(dir)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
      }
      Path tokens = Files.createDirectories(dir.resolve("tokens"));
      Path conf = dir.resolve("softhsm2.conf");
      Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
          + "log.level = ERROR\nslots.removable = false\n");
      SecureRandom random = new SecureRandom();
      String pin = HexFormat.of().formatHex(random.generateSeed(8));
      String soPin = HexFormat.of().formatHex(random.generateSeed(8));
      Proc.Output out = Proc.run(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
          "--so-pin", soPin), Map.of("SOFTHSM2_CONF", conf.toString()), Duration.ofSeconds(60));
      // The output names the slot, never the PINs; still, keep it out of exceptions unless it failed.
      if (out.exitCode() != 0) throw new IllegalStateException("softhsm2-util --init-token failed: " + out.text().strip());
      Matcher m = SLOT.matcher(out.text());
      if (!m.find()) throw new IllegalStateException("softhsm2-util did not name the slot: " + out.text().strip());
      return new SoftHsmToken(conf, label, Long.parseLong(m.group(1)), pin);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the SoftHSM2 token under " + dir, e);
    }
  }

  /**
   * CKA_ID and CKA_LABEL of part 1's keys: "bench-limit". SunPKCS11 sets neither by itself, and
   * {@code Pkcs11RoleKeyStore.list()} (as of this writing) throws "Not a byte[]" on a private key without a CKA_ID
   * instead of skipping it as a foreign object; with both set, the keys are foreign objects it skips.
   */
  static final String LIMIT_KEY_HEX = HexFormat.of().formatHex("bench-limit".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

  /**
   * A SunPKCS11 configuration for this token's slot whose generated keys are token objects with the attributes
   * the product uses (SPEC.md: CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true, CKA_EXTRACTABLE false).
   */
  Path sunPkcs11Config(Path file) {
    String cfg = """
        name = bench
        library = %s
        slot = %d
        attributes(generate, *, *) = {
          CKA_TOKEN = true
          CKA_ID = 0h%s
          CKA_LABEL = 0h%s
        }
        attributes(generate, CKO_PRIVATE_KEY, *) = {
          CKA_PRIVATE = true
          CKA_SENSITIVE = true
          CKA_EXTRACTABLE = false
        }
        """.formatted(LIBRARY, slot, LIMIT_KEY_HEX, LIMIT_KEY_HEX);
    try {
      Files.writeString(file, cfg);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
