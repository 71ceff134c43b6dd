package com.doit.idp.hsm;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.HsmException;
import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleId;
import com.doit.idp.role.SigningAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import iaik.pkcs.pkcs11.Mechanism;
import iaik.pkcs.pkcs11.Slot;
import iaik.pkcs.pkcs11.Token;
import iaik.pkcs.pkcs11.TokenException;
import iaik.pkcs.pkcs11.TokenInfo;
import iaik.pkcs.pkcs11.wrapper.Functions;
import iaik.pkcs.pkcs11.wrapper.PKCS11Constants;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * {@code keys-admin hsm check}: proves that the configured HSM can do what the server needs, using the JDK's own
 * SunPKCS11 provider configured from one of our templates ({@code hsm-config/templates/}, also on the classpath under
 * {@code com/doit/idp/hsm/templates/}), so that the template is exercised too.
 *
 * <ol>
 *   <li>finds the token by label and reads its description (the xipki wrapper);
 *   <li>lists the token's mechanisms and names the ones we need that are missing;
 *   <li>configures SunPKCS11 from the template filled with the library path and the token's slot id, logs in through
 *       it, and checks that it offers the key pair generators and signatures we need;
 *   <li>for RS256 and ES256: generates a temporary key pair as session objects ({@code CKA_TOKEN} false, otherwise
 *       the role key policy), checks that the private half is sensitive and not extractable, signs in the HSM
 *       exactly as {@link Pkcs11JwsSigner} does, verifies with the JDK's software provider, and destroys both
 *       halves;
 *   <li>counts our role keys on the token (one listing) against the template's capacity, and checks that our
 *       longest label fits the template's label limit.
 * </ol>
 *
 * <p>Why the temporary keys are not made through SunPKCS11: the JDK destroys a SunPKCS11 session key, and closes a
 * SunPKCS11 session, when the Java object is garbage collected, by handle. If this process reinitialised the library
 * in between (what {@link Pkcs11RoleKeyStore} does to recover from a lost HSM), those handles could by then name
 * another session or a role key on the token. So the check's own key objects are destroyed explicitly, and the
 * SunPKCS11 providers it creates stay referenced for the life of the process (a few objects per check), so the JDK
 * never releases their handles late.
 *
 * <p>Nothing is printed: {@link #run} returns a {@link Result} that the CLI prints. A step that fails becomes a
 * {@link Result#problems() problem} and later steps that depend on it are skipped; no message carries the PIN. The
 * check never logs out (in PKCS#11 the login is shared by the whole process). Thread-safe (stateless).
 */
public final class HsmCheck {
  /** The templates shipped with the project, by name. */
  public static final List<String> TEMPLATES = List.of("softhsm2", "aws-cloudhsm", "yubihsm2", "thales-luna");

  /** Mechanisms the role key store uses. */
  static final Map<Long, String> REQUIRED = Map.of(
      PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN",
      PKCS11Constants.CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS",
      PKCS11Constants.CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN",
      PKCS11Constants.CKM_ECDSA, "CKM_ECDSA");

  /** The longest label {@link KeyMetadata#toLabel()} can produce (51-character engineer, 10-digit epoch times). */
  static final int LONGEST_LABEL = new KeyMetadata(new RoleId("123456789012", "e".repeat(51)), SigningAlgorithm.RS256,
      Instant.ofEpochSecond(9_999_999_999L), Optional.of(Instant.ofEpochSecond(9_999_999_999L)),
      Instant.ofEpochSecond(9_999_999_999L)).toLabel().length();

  /** SunPKCS11 providers made by checks; kept reachable on purpose (class javadoc). */
  private static final List<Provider> PROVIDERS = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static final Pattern DECLARED = Pattern.compile("(?m)^#\\s*idp\\.([a-z-]+)\\s*=\\s*(\\d+)\\s*$");

  /**
   * One algorithm's round trip.
   *
   * @param ok generated, signed in the HSM, verified in software, private key sensitive and not extractable
   * @param detail what failed, or a short description of what passed
   */
  public record AlgorithmCheck(SigningAlgorithm algorithm, boolean ok, String detail) {}

  /**
   * What the check found.
   *
   * @param template the template used
   * @param tokenLabel the token's label
   * @param slotId the slot the token is in (0 when it was not found)
   * @param manufacturer the token's manufacturer id, empty when not found
   * @param model the token's model, empty when not found
   * @param mechanisms every mechanism the token lists, by name, sorted
   * @param missingMechanisms the mechanisms we need that the token lacks
   * @param algorithms the RS256 and ES256 round trips (empty when login failed)
   * @param roleKeys our role keys on the token, -1 when they could not be counted
   * @param objectsUsed the token objects they take (two per key)
   * @param capacityObjects the capacity the template declares (or the caller's override); empty when unknown
   * @param maxLabelLength the label limit the template declares; empty when unknown
   * @param problems human-readable problems; empty when everything passed
   */
  public record Result(
      String template,
      String tokenLabel,
      long slotId,
      String manufacturer,
      String model,
      List<String> mechanisms,
      List<String> missingMechanisms,
      List<AlgorithmCheck> algorithms,
      int roleKeys,
      int objectsUsed,
      OptionalLong capacityObjects,
      OptionalLong maxLabelLength,
      List<String> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }

    /** Share of the capacity in use, 0..1+, or empty when the capacity is unknown. */
    public Optional<Double> usage() {
      return capacityObjects.isPresent() && capacityObjects.getAsLong() > 0
          ? Optional.of((double) objectsUsed / capacityObjects.getAsLong())
          : Optional.empty();
    }
  }

  private HsmCheck() {}

  /** The template that fits a library file name (CloudHSM, YubiHSM, Luna), else {@code softhsm2}. */
  public static String templateFor(Path library) {
    String name = library.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.contains("cloudhsm")) return "aws-cloudhsm";
    if (name.contains("yubihsm")) return "yubihsm2";
    if (name.contains("cryptoki2") || name.contains("luna")) return "thales-luna";
    return "softhsm2";
  }

  /** The text of a shipped template; throws {@link IllegalArgumentException} for an unknown name. */
  public static String template(String name) {
    if (!TEMPLATES.contains(name)) throw new IllegalArgumentException("unknown HSM template " + name + "; one of " + TEMPLATES);
    try (InputStream in = HsmCheck.class.getResourceAsStream("templates/" + name + ".cfg")) {
      if (in == null) throw new IllegalStateException("template " + name + " is missing from the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read template " + name, e);
    }
  }

  /** A template with {@code @LIBRARY@} and {@code @SLOT@} filled in: a SunPKCS11 configuration. */
  public static String fill(String template, Path library, long slotId) {
    return template.replace("@LIBRARY@", library.toAbsolutePath().toString()).replace("@SLOT@", Long.toString(slotId));
  }

  /** A number the template declares in a comment line {@code # idp.<key> = <n>}. */
  static OptionalLong declared(String template, String key) {
    Matcher m = DECLARED.matcher(template);
    while (m.find()) {
      if (m.group(1).equals(key)) return OptionalLong.of(Long.parseLong(m.group(2)));
    }
    return OptionalLong.empty();
  }

  /** Runs the check with the template's own capacity. See {@link #run(IdpConfig.Hsm, String, OptionalLong)}. */
  public static Result run(IdpConfig.Hsm hsm, String templateName) {
    return run(hsm, templateName, OptionalLong.empty());
  }

  /**
   * Runs every step against the HSM of {@code hsm}.
   *
   * @param templateName one of {@link #TEMPLATES}
   * @param capacityOverride the token's real object capacity when known better than the template's figure
   * @throws IllegalArgumentException for an unknown template
   */
  public static Result run(IdpConfig.Hsm hsm, String templateName, OptionalLong capacityOverride) {
    String template = template(templateName);
    OptionalLong capacity = capacityOverride.isPresent() ? capacityOverride : declared(template, "capacity-objects");
    OptionalLong maxLabel = declared(template, "max-label-length");
    List<String> problems = new ArrayList<>();
    if (maxLabel.isPresent() && maxLabel.getAsLong() < LONGEST_LABEL) {
      problems.add("labels: the token takes " + maxLabel.getAsLong() + " characters, role key labels need up to "
          + LONGEST_LABEL);
    }

    // 1, 2: the token and its mechanisms, through the wrapper.
    Pkcs11Library library;
    try {
      library = Pkcs11Library.get(hsm.library());
    } catch (HsmException e) {
      problems.add(e.getMessage());
      return new Result(templateName, hsm.tokenLabel(), 0, "", "", List.of(), List.of(), List.of(), -1, 0, capacity,
          maxLabel, problems);
    }
    long slotId = 0;
    String manufacturer = "";
    String model = "";
    TreeSet<String> mechanisms = new TreeSet<>();
    List<String> missing = new ArrayList<>();
    try (Pkcs11Library.Use u = library.use()) {
      Token token = findToken(library, hsm.tokenLabel());
      if (token == null) {
        problems.add("connect: no token labelled '" + hsm.tokenLabel() + "'");
        return new Result(templateName, hsm.tokenLabel(), 0, "", "", List.of(), List.of(), List.of(), -1, 0, capacity,
            maxLabel, problems);
      }
      slotId = token.getSlot().getSlotID();
      TokenInfo info = token.getTokenInfo();
      manufacturer = info.getManufacturerID().trim();
      model = info.getModel().trim();
      List<Long> codes = new ArrayList<>();
      for (Mechanism m : token.getMechanismList()) {
        codes.add(m.getMechanismCode());
        mechanisms.add(Functions.mechanismCodeToString(m.getMechanismCode()));
      }
      REQUIRED.forEach((code, name) -> {
        if (!codes.contains(code)) missing.add(name);
      });
    } catch (TokenException e) {
      problems.add(Pkcs11Errors.toHsmException("token info", e).getMessage());
    }
    missing.sort(null);
    if (!missing.isEmpty()) problems.add("mechanisms: the token lacks " + String.join(", ", missing));

    // 3: SunPKCS11 from the template: it parses, it loads the library, it logs in, it offers what we use.
    Provider provider = null;
    try {
      provider = Security.getProvider("SunPKCS11").configure("--" + fill(template, hsm.library(), slotId));
      PROVIDERS.add(provider);
    } catch (RuntimeException e) {
      // The configuration holds no secret, so SunPKCS11's message (a syntax error, a missing library) is safe to show.
      problems.add("sunpkcs11 configuration: " + e.getMessage());
    }
    if (provider != null) {
      try {
        login((AuthProvider) provider, hsm);
        for (String[] service : new String[][] {{"KeyPairGenerator", "RSA"}, {"KeyPairGenerator", "EC"},
            {"Signature", "SHA256withRSA"}, {"Signature", "SHA256withECDSA"}}) {
          if (provider.getService(service[0], service[1]) == null) {
            problems.add("sunpkcs11: no " + service[0] + "." + service[1] + " on this token");
          }
        }
      } catch (javax.security.auth.login.LoginException | RuntimeException e) {
        problems.add("login: " + describe(e));
      }
    }

    // 4, 5: temporary key pairs, then our role keys against the capacity, on one session of our own.
    List<AlgorithmCheck> algorithms = new ArrayList<>();
    int roleKeys = -1;
    try (Pkcs11RoleKeyStore store = new Pkcs11RoleKeyStore(
        new IdpConfig.Hsm(hsm.library(), hsm.tokenLabel(), hsm.pin(), 1))) {
      for (SigningAlgorithm alg : SigningAlgorithm.values()) {
        AlgorithmCheck c = roundTrip(store, alg);
        algorithms.add(c);
        if (!c.ok()) problems.add(alg + ": " + c.detail());
      }
      roleKeys = store.list().size();
    } catch (HsmException e) {
      problems.add("role keys: " + e.getMessage());
    }
    int objects = Math.max(0, roleKeys) * 2;
    if (capacity.isPresent() && objects >= capacity.getAsLong() * 0.8) {
      problems.add("capacity: " + objects + " of " + capacity.getAsLong() + " objects in use (80% or more)");
    }
    return new Result(templateName, hsm.tokenLabel(), slotId, manufacturer, model, List.copyOf(mechanisms),
        List.copyOf(missing), List.copyOf(algorithms), roleKeys, objects, capacity, maxLabel, List.copyOf(problems));
  }

  private static Token findToken(Pkcs11Library library, String label) throws TokenException {
    for (Slot slot : library.module().getSlotList(true)) {
      Token token = slot.getToken();
      if (token != null && label.equals(token.getTokenInfo().getLabel().trim())) return token;
    }
    return null;
  }

  private static void login(AuthProvider provider, IdpConfig.Hsm hsm) throws javax.security.auth.login.LoginException {
    provider.login(null, callbacks -> {
      for (var callback : callbacks) {
        if (callback instanceof PasswordCallback pc) {
          char[] pin = hsm.pin().reveal();
          pc.setPassword(pin); // PasswordCallback keeps its own copy
          Arrays.fill(pin, '\0');
        } else {
          throw new UnsupportedCallbackException(callback);
        }
      }
    });
  }

  private static AlgorithmCheck roundTrip(Pkcs11RoleKeyStore store, SigningAlgorithm alg) {
    boolean rsa = alg == SigningAlgorithm.RS256;
    byte[] data = ("hsm check " + Instant.now()).getBytes(StandardCharsets.UTF_8);
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    Pkcs11RoleKeyStore.KeyPairTemplate t = Pkcs11RoleKeyStore.KeyPairTemplate.of(alg, false, "aoi-hsm-check", id);
    try {
      return store.withSession("hsm check " + alg, (p, s) -> {
        long[] pair = p.C_GenerateKeyPair(s, t.mechanism(), t.publicKey(), t.privateKey());
        try {
          CK_ATTRIBUTE[] a = {
              new CK_ATTRIBUTE(PKCS11Constants.CKA_TOKEN),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_SENSITIVE),
              new CK_ATTRIBUTE(PKCS11Constants.CKA_EXTRACTABLE)};
          p.C_GetAttributeValue(s, pair[1], a);
          if (a[0].getBoolean() || !a[1].getBoolean() || a[2].getBoolean()) {
            return new AlgorithmCheck(alg, false, "the token did not apply the key policy (token object, or the "
                + "private key is not sensitive, or it is extractable)");
          }
          Optional<JWK> jwk = Pkcs11RoleKeyStore.readPublicJwk(p, s, pair[0], alg);
          if (jwk.isEmpty()) return new AlgorithmCheck(alg, false, "the public key cannot be read back");
          // Exactly what Pkcs11JwsSigner asks of the token.
          byte[] input = rsa ? data : MessageDigest.getInstance("SHA-256").digest(data);
          p.C_SignInit(s, new CK_MECHANISM(rsa ? PKCS11Constants.CKM_SHA256_RSA_PKCS : PKCS11Constants.CKM_ECDSA),
              pair[1]);
          byte[] signature = p.C_Sign(s, input);
          // Verified outside the HSM, by the JDK's software provider: the HSM's signature must be the standard one.
          Signature verifier = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
          verifier.initVerify(rsa ? jwk.get().toRSAKey().toPublicKey() : jwk.get().toECKey().toPublicKey());
          verifier.update(data);
          if (!verifier.verify(signature)) return new AlgorithmCheck(alg, false, "the HSM's signature does not verify");
          return new AlgorithmCheck(alg, true, (rsa ? "RSA-2048" : "EC P-256") + " session key pair generated, "
              + "private half sensitive and not extractable, signed in the HSM, verified in software");
        } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
          return new AlgorithmCheck(alg, false, "software verification failed (" + e.getClass().getSimpleName() + ")");
        } finally {
          destroyQuietly(p, s, pair[1]);
          destroyQuietly(p, s, pair[0]);
        }
      });
    } catch (HsmException e) {
      return new AlgorithmCheck(alg, false, e.getMessage());
    }
  }

  private static void destroyQuietly(PKCS11 p, long session, long handle) {
    try {
      p.C_DestroyObject(session, handle);
    } catch (PKCS11Exception e) {
      // A session object also dies with its session; nothing is left on the token either way.
    }
  }

  /** A short description of a failure: the PKCS#11 return code when there is one, never free text of the library. */
  private static String describe(Throwable e) {
    String code = rootCode(e);
    return code.isEmpty() ? e.getClass().getSimpleName() : code;
  }

  private static String rootCode(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      long c = Pkcs11Errors.code(t);
      if (c >= 0) return Pkcs11Errors.name(c);
      if (t instanceof HsmException) return t.getMessage();
    }
    return "";
  }
}
