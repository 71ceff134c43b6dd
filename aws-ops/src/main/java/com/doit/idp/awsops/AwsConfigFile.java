package com.doit.idp.awsops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS CLI's config file ({@code $AWS_CONFIG_FILE}, default {@code ~/.aws/config}) as {@code configure} edits it:
 * the profiles aws-ops wrote carry a marker line, and only those are replaced; every other line stays as it was,
 * byte for byte. A profile of the same name that aws-ops did not write is never overwritten. Stateless.
 */
final class AwsConfigFile {
  static final String MARKER = "# managed by aws-ops configure: replaced when it runs again";
  private static final Pattern SECTION = Pattern.compile("^\\s*\\[\\s*(?:profile\\s+)?([^\\]]*?)\\s*\\]\\s*(?:[#;].*)?$");

  private AwsConfigFile() {}

  /** Where the AWS CLI reads its config. */
  static Path path(Map<String, String> env) {
    String v = env.get("AWS_CONFIG_FILE");
    if (v != null && !v.isBlank()) return Path.of(v.startsWith("~/") ? Dirs.home(env) + v.substring(1) : v);
    return Dirs.home(env).resolve(".aws").resolve("config");
  }

  /** What {@link #update} did. */
  record Change(List<String> written, List<String> removed) {}

  /**
   * Replaces the profiles aws-ops wrote by {@code profiles} (name -> {@code key = value} lines), in place of the
   * first one it wrote before, else at the end.
   *
   * @throws AwsOpsException when a profile to write exists and aws-ops did not write it
   */
  static Change update(Path file, Map<String, List<String>> profiles) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      text = "";
    } catch (IOException e) {
      throw new AwsOpsException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    List<String> lines = new ArrayList<>(text.lines().toList());
    List<String> out = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    int insertAt = -1;
    for (int i = 0; i < lines.size(); ) {
      Matcher m = SECTION.matcher(lines.get(i));
      if (!m.matches()) {
        out.add(lines.get(i++));
        continue;
      }
      int end = i + 1;
      while (end < lines.size() && !SECTION.matcher(lines.get(end)).matches()) end++;
      List<String> section = lines.subList(i, end);
      String name = m.group(1);
      if (section.contains(MARKER)) {
        if (insertAt < 0) insertAt = out.size();
        if (!profiles.containsKey(name)) removed.add(name);
      } else {
        if (profiles.containsKey(name)) {
          throw new AwsOpsException(file + " already has a profile " + name + " that aws-ops did not write: rename or "
              + "remove it, then run `aws-ops configure` again");
        }
        out.addAll(section);
      }
      i = end;
    }
    List<String> ours = new ArrayList<>();
    for (Map.Entry<String, List<String>> p : profiles.entrySet()) {
      ours.add("[profile " + p.getKey() + "]");
      ours.add(MARKER);
      ours.addAll(p.getValue());
      ours.add("");
    }
    if (insertAt < 0) {
      if (!out.isEmpty() && !out.get(out.size() - 1).isBlank() && !ours.isEmpty()) out.add("");
      out.addAll(ours);
    } else {
      out.addAll(insertAt, ours);
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) out.remove(out.size() - 1);
    String updated = out.isEmpty() ? "" : String.join("\n", out) + "\n";
    if (!updated.equals(text)) write(file, updated);
    return new Change(List.copyOf(profiles.keySet()), removed);
  }

  /** Atomic replace, keeping the file's mode (a new file is 600). */
  private static void write(Path file, String text) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".config.", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        if (Files.exists(file)) Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new AwsOpsException("cannot write " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The profile lines for one account: {@code credential_process} running this launcher. */
  static Map<String, List<String>> profiles(List<String> accounts, String profilePrefix, Path launcher) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String account : accounts) {
      out.put(profilePrefix + account, List.of("credential_process = " + shellWord(launcher.toString())
          + " credentials --account " + account));
    }
    return out;
  }

  /** The AWS CLI splits credential_process as a shell would: quote a path with spaces or quotes. */
  static String shellWord(String s) {
    if (s.matches("[A-Za-z0-9_./@%+=:,-]+")) return s;
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
