package com.doit.idp.awsops;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Opens the engineer's browser the way the desktop does ({@code $BROWSER}, {@code xdg-open}, macOS {@code open}),
 * without AWT. Stateless.
 */
final class SystemBrowser {
  private SystemBrowser() {}

  static boolean open(URI url) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String browser = System.getenv("BROWSER");
    List<List<String>> tries = new java.util.ArrayList<>();
    if (browser != null && !browser.isBlank()) tries.add(List.of(browser.strip(), url.toString()));
    if (os.contains("mac")) tries.add(List.of("open", url.toString()));
    else if (os.contains("win")) tries.add(List.of("rundll32", "url.dll,FileProtocolHandler", url.toString()));
    else tries.add(List.of("xdg-open", url.toString()));
    for (List<String> command : tries) {
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // xdg-open returns at once with the browser started, or fails at once with no browser to start.
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() == 0) return true;
      } catch (IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
