package com.doit.idp.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the project that tests read (docs, samples): found above the module's working directory. */
public final class ProjectFiles {
  private ProjectFiles() {}

  /** The project root: the nearest folder above the working directory that holds {@code config/minimal.conf}. */
  public static Path root() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("config/minimal.conf"))) p = p.getParent();
    if (p == null) throw new IllegalStateException("config/minimal.conf not found above " + System.getProperty("user.dir"));
    return p;
  }

  public static String read(String relative) {
    try {
      return Files.readString(root().resolve(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
