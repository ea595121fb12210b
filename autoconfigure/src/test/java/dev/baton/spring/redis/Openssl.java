package dev.baton.spring.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the {@code openssl} command line for tests that make their own certificates; a missing
 * {@code openssl} skips the test, or fails it with {@code CI=true} ({@code .ci/run} installs it).
 */
final class Openssl {

  private Openssl() {}

  /** Runs {@code openssl args...}; fails naming the subcommand and its output if it fails. */
  static void run(String... args) throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of("/usr/bin/openssl"))) {
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException("openssl is not installed");
      }
      Assumptions.abort("openssl is not installed");
    }
    List<String> command = new ArrayList<>(List.of("/usr/bin/openssl"));
    command.addAll(List.of(args));
    Path output = Files.createTempFile("openssl", ".out");
    try {
      // Its output goes to a file, so that a hung openssl runs into the timeout below rather
      // than blocking a read of its output.
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("openssl " + args[0] + " did not finish in 30 s: "
            + Files.readString(output));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("openssl " + args[0] + " failed: "
            + Files.readString(output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
