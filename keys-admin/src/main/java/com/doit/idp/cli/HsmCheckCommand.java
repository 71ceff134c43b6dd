package com.doit.idp.cli;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.hsm.HsmCheck;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hsm check}: runs {@link HsmCheck} against the configured HSM and prints what it found. The report goes to
 * stdout either way; when the check finds problems the exit code is 1 and stderr has the one-line summary.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Check the configured HSM: find the token, list its mechanisms, log in, generate a temporary",
        "RS256 and ES256 key pair, sign in the HSM and verify in software, count our role keys against capacity.",
        "Exit 1 when it finds a problem (the report is printed either way)."})
final class HsmCheckCommand extends CliCommand {
  @Option(names = "--template", paramLabel = "NAME",
      description = "The SunPKCS11 template: softhsm2, aws-cloudhsm, yubihsm2 or thales-luna (default: from hsm.library).")
  String template;

  @Option(names = "--capacity", paramLabel = "OBJECTS",
      description = "The token's object capacity, when known better than the template's figure.")
  String capacity;

  @Override
  void execute() {
    IdpConfig.Hsm hsm = session().config().hsm();
    String name = template == null ? HsmCheck.templateFor(hsm.library()) : template;
    if (!HsmCheck.TEMPLATES.contains(name)) {
      throw new CliFailure("--template '" + name + "': must be one of " + String.join(", ", HsmCheck.TEMPLATES));
    }
    OptionalLong capacityOverride = OptionalLong.empty();
    if (capacity != null) {
      try {
        long n = Long.parseLong(capacity.trim());
        if (n < 1) throw new NumberFormatException();
        capacityOverride = OptionalLong.of(n);
      } catch (NumberFormatException e) {
        throw new CliFailure("--capacity '" + capacity + "': must be a whole number of objects, at least 1");
      }
    }
    HsmCheck.Result r = HsmCheck.run(hsm, name, capacityOverride);
    if (json()) {
      printJson(toJson(r));
    } else {
      print(r);
    }
    if (!r.ok()) {
      throw new CliFailure("hsm check found " + r.problems().size() + (r.problems().size() == 1 ? " problem: " : " problems: ")
          + String.join("; ", r.problems()));
    }
  }

  private static Map<String, Object> toJson(HsmCheck.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", r.ok());
    m.put("template", r.template());
    m.put("token_label", r.tokenLabel());
    m.put("slot_id", r.slotId());
    m.put("manufacturer", r.manufacturer());
    m.put("model", r.model());
    m.put("mechanisms", r.mechanisms());
    m.put("missing_mechanisms", r.missingMechanisms());
    m.put("algorithms", r.algorithms().stream().map(a -> {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("algorithm", a.algorithm().name());
      am.put("ok", a.ok());
      am.put("detail", a.detail());
      return am;
    }).toList());
    m.put("role_keys", r.roleKeys());
    m.put("objects_used", r.objectsUsed());
    m.put("capacity_objects", r.capacityObjects().isPresent() ? r.capacityObjects().getAsLong() : null);
    m.put("max_label_length", r.maxLabelLength().isPresent() ? r.maxLabelLength().getAsLong() : null);
    m.put("problems", r.problems());
    return m;
  }

  private void print(HsmCheck.Result r) {
    var out = out();
    String token = "token '" + r.tokenLabel() + "'";
    if (!r.manufacturer().isEmpty() || !r.model().isEmpty()) {
      token += " in slot " + r.slotId() + " (" + r.manufacturer() + ", " + r.model() + ")";
    }
    out.println("hsm           " + token + ", template " + r.template());
    if (!r.mechanisms().isEmpty()) {
      out.println("mechanisms    " + r.mechanisms().size() + " listed; "
          + (r.missingMechanisms().isEmpty() ? "every one needed is there" : "missing " + String.join(", ", r.missingMechanisms())));
    }
    for (HsmCheck.AlgorithmCheck a : r.algorithms()) {
      out.println(String.format(Locale.ROOT, "%-14s%s: %s", a.algorithm(), a.ok() ? "ok" : "FAILED", a.detail()));
    }
    String keys;
    if (r.roleKeys() < 0) {
      keys = "not counted";
    } else {
      keys = r.roleKeys() + (r.roleKeys() == 1 ? " key" : " keys") + " (" + r.objectsUsed() + " objects)";
      keys += r.capacityObjects().isPresent()
          ? String.format(Locale.ROOT, " of %d objects: %.1f%%", r.capacityObjects().getAsLong(), r.usage().orElse(0.0) * 100)
          : "; capacity unknown (give --capacity)";
    }
    out.println("role keys     " + keys);
    if (r.maxLabelLength().isPresent()) out.println("label limit   " + r.maxLabelLength().getAsLong() + " characters");
    if (r.ok()) {
      out.println("result        ok");
    } else {
      out.println("result        " + r.problems().size() + (r.problems().size() == 1 ? " problem:" : " problems:"));
      for (String p : r.problems()) out.println("  - " + p);
    }
  }
}
