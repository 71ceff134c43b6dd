package com.doit.idp.hsm;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real SoftHSM2 tokens for tests, created fresh in the module's {@code target/softhsm} folder.
 *
 * <p>How it fits PKCS#11 and SoftHSM2: SoftHSM2 reads {@code $SOFTHSM2_CONF} and its token directory at
 * {@code C_Initialize}, which happens once per process. Surefire sets {@code SOFTHSM2_CONF} to
 * {@code target/softhsm/softhsm2.conf} (parent pom) for every module's test JVM. The first use of this class in a JVM
 * writes that file and creates this JVM's tokens with {@code softhsm2-util}, before anything can load the library:
 * a token only exists for tests through this class. All test classes of the JVM then share the tokens (one
 * {@code C_Initialize}, one login), so each test uses its own account numbers ({@link #uniqueAccount()}) and only
 * looks at its own roles.
 *
 * <p>Server subprocesses started by tests inherit {@code SOFTHSM2_CONF} and use the same token with the same
 * {@link IdpConfig.Hsm} (pass the PIN as {@code IDP_HSM_PIN}); with SoftHSM2's file backend each process sees objects
 * the others create (it re-reads the token directory when its generation file changes).
 *
 * <p>Tokens of earlier JVMs whose process has ended are deleted when a JVM first uses this class, so
 * {@code target/softhsm} does not grow across runs. Thread-safe.
 */
public final class SoftHsmToken {
  /** The SoftHSM2 library as Debian installs it; override with {@code -Didp.softhsm.library}. */
  public static final Path LIBRARY = Path.of(System.getProperty("idp.softhsm.library", "/usr/lib/softhsm/libsofthsm2.so"));

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Tokens tokens;

  private SoftHsmToken() {}

  private record Tokens(Path dir, IdpConfig.Hsm shared, IdpConfig.Hsm disposable, Path disposableDir) {}

  /** This JVM's shared token (pool of 4 sessions). Tests on it must only touch their own roles. */
  public static IdpConfig.Hsm shared() {
    return tokens().shared();
  }

  /** The shared token with another session pool size. */
  public static IdpConfig.Hsm shared(int sessions) {
    IdpConfig.Hsm h = tokens().shared();
    return new IdpConfig.Hsm(h.library(), h.tokenLabel(), h.pin(), sessions);
  }

  /**
   * A second token of this JVM for tests that break it on purpose (move its directory away, see
   * {@link #disposableTokenDirectory()}); nothing else uses it, so the shared token stays healthy meanwhile.
   */
  public static IdpConfig.Hsm disposable() {
    return tokens().disposable();
  }

  /** The directory SoftHSM2 keeps the disposable token's objects in. */
  public static Path disposableTokenDirectory() {
    return tokens().disposableDir();
  }

  /** {@code target/softhsm}: the configuration file and the token directory live here. */
  public static Path softHsmDirectory() {
    return tokens().dir();
  }

  /**
   * The JVM options a child JVM needs to use the PKCS#11 store (a server or keys-admin started by a test): the JDK's
   * native PKCS#11 wrapper is not exported, and recovery calls its {@code C_Initialize}. The child inherits
   * {@code SOFTHSM2_CONF}, so it sees the same tokens; give it the PIN as {@code IDP_HSM_PIN}.
   */
  public static List<String> pkcs11JvmOptions() {
    return List.of(
        "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
        "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED");
  }

  /** A random 12-digit account number, so that tests sharing a token never see each other's roles. */
  public static String uniqueAccount() {
    long n = Math.floorMod(RANDOM.nextLong(), 900_000_000_000L) + 100_000_000_000L;
    return Long.toString(n);
  }

  private static synchronized Tokens tokens() {
    if (tokens == null) tokens = create();
    return tokens;
  }

  private static Tokens create() {
    String conf = System.getenv("SOFTHSM2_CONF");
    if (conf == null || conf.isBlank()) {
      throw new IllegalStateException("SOFTHSM2_CONF is not set: run the tests through Maven (surefire sets it to "
          + "target/softhsm/softhsm2.conf), or set it the same way in your IDE");
    }
    Path confFile = Path.of(conf).toAbsolutePath();
    Path dir = confFile.getParent();
    Path tokenDir = dir.resolve("tokens");
    Path owners = dir.resolve("owners");
    try {
      Files.createDirectories(tokenDir);
      Files.createDirectories(owners);
      writeConfig(confFile, tokenDir);
      deleteTokensOfEndedProcesses(tokenDir, owners);
      long pid = ProcessHandle.current().pid();
      String suffix = HexFormat.of().formatHex(bytes(3));
      Secret pin = new Secret(HexFormat.of().formatHex(bytes(8)).toCharArray());
      IdpConfig.Hsm shared = new IdpConfig.Hsm(LIBRARY, "idp-" + pid + "-" + suffix, pin, 4);
      IdpConfig.Hsm disposable = new IdpConfig.Hsm(LIBRARY, "idp-" + pid + "-" + suffix + "-x", pin, 2);
      Path sharedDir = initToken(confFile, tokenDir, owners, shared);
      Path disposableDir = initToken(confFile, tokenDir, owners, disposable);
      return new Tokens(dir, shared, disposable, disposableDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static void writeConfig(Path confFile, Path tokenDir) throws IOException {
    String text = "# written by SoftHsmToken for this module's tests\n"
        + "directories.tokendir = " + tokenDir + "\n"
        + "objectstore.backend = file\n"
        + "log.level = ERROR\n"
        + "slots.removable = false\n"
        + "slots.mechanisms = ALL\n"
        + "library.reset_on_fork = false\n";
    if (Files.exists(confFile) && Files.readString(confFile).equals(text)) return;
    // Another test JVM of the same module may read it right now: replace it atomically with identical content.
    Path tmp = Files.createTempFile(confFile.getParent(), "softhsm2", ".conf");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, confFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Creates a token; returns its directory under {@code tokenDir} (SoftHSM2 names it by a UUID). */
  private static Path initToken(Path confFile, Path tokenDir, Path owners, IdpConfig.Hsm hsm) throws IOException {
    Set<Path> before = listDirs(tokenDir);
    char[] pin = hsm.pin().reveal();
    String soPin = HexFormat.of().formatHex(bytes(8));
    ProcessBuilder pb = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", hsm.tokenLabel(),
        "--pin", new String(pin), "--so-pin", soPin).redirectErrorStream(true);
    java.util.Arrays.fill(pin, '\0');
    pb.environment().put("SOFTHSM2_CONF", confFile.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("softhsm2-util --init-token failed for " + hsm.tokenLabel() + ": " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating a SoftHSM2 token");
    }
    Set<Path> created = listDirs(tokenDir);
    created.removeAll(before);
    // Another test JVM of the same module may create tokens at the same moment: pick ours by its label, which
    // SoftHSM2 stores blank-padded to 32 bytes in token.object.
    byte[] padded = String.format("%-32s", hsm.tokenLabel()).getBytes(StandardCharsets.US_ASCII);
    List<Path> ours = new java.util.ArrayList<>();
    for (Path d : created) {
      Path object = d.resolve("token.object");
      if (Files.exists(object) && indexOf(Files.readAllBytes(object), padded) >= 0) ours.add(d);
    }
    if (ours.size() != 1) throw new IllegalStateException("cannot tell which directory holds token " + hsm.tokenLabel());
    Path tokenPath = ours.get(0);
    Files.writeString(owners.resolve(tokenPath.getFileName().toString()),
        Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
    return tokenPath;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  private static void deleteTokensOfEndedProcesses(Path tokenDir, Path owners) throws IOException {
    for (Path token : listDirs(tokenDir)) {
      Path owner = owners.resolve(token.getFileName().toString());
      boolean alive = false;
      if (Files.exists(owner)) {
        try {
          long pid = Long.parseLong(Files.readString(owner).strip());
          alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
          alive = false;
        }
      }
      if (!alive) {
        deleteRecursively(token);
        Files.deleteIfExists(owner);
      }
    }
  }

  private static Set<Path> listDirs(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return new HashSet<>(s.filter(Files::isDirectory).toList());
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) Files.deleteIfExists(p);
    }
  }
}
