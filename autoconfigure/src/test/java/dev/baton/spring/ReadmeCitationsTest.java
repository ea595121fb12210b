package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README names the tests that hold its promises: each test class it cites exists in some
 * module, and each test method it cites exists, in the class it names when it names one, so that
 * a renamed or removed test cannot leave a promise that no test holds.
 */
class ReadmeCitationsTest {

  /** The modules whose tests the README cites. */
  private static final List<String> MODULES = List.of("core", "redis", "autoconfigure",
      "sample-app");
  /** A cited test class. */
  private static final Pattern CLASS = Pattern.compile("`([A-Z][A-Za-z0-9]+Tests?)[`.]");
  /** A cited test method, maybe after its class: a name of six words at least. */
  private static final Pattern METHOD =
      Pattern.compile("`(?:([A-Z][A-Za-z0-9]+Tests?)\\.)?([a-z][a-z]*(?:[A-Z][a-z0-9]*){5,})`");

  @Test
  void everyTestTheReadmeCitesExists() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Map<String, String> sources = testSources();

    List<String> classes = new ArrayList<>();
    for (Matcher cited = CLASS.matcher(readme); cited.find(); ) {
      classes.add(cited.group(1));
    }
    List<String[]> methods = new ArrayList<>();
    for (Matcher cited = METHOD.matcher(readme); cited.find(); ) {
      methods.add(new String[] {cited.group(1), cited.group(2)});
    }

    assertThat(classes).as("test classes cited").hasSizeGreaterThan(100)
        .allSatisfy(name -> assertThat(sources).as("README cites %s", name).containsKey(name));
    assertThat(methods).as("test methods cited").hasSizeGreaterThan(80).allSatisfy(cited -> {
      if (cited[0] != null) {
        assertThat(sources.get(cited[0])).as("README cites %s.%s", cited[0], cited[1])
            .isNotNull().satisfies(source -> assertThat(declares(source, cited[1])).isTrue());
      } else {
        assertThat(sources.values()).as("README cites %s", cited[1])
            .anySatisfy(source -> assertThat(declares(source, cited[1])).isTrue());
      }
    });
  }

  /** Whether {@code source}, Java or Kotlin, declares a method {@code name}. */
  private static boolean declares(String source, String name) {
    return source.contains("void " + name + "(") || source.contains("fun " + name + "(");
  }

  /** The test sources of every module, Java and Kotlin, by class (file) name. */
  private static Map<String, String> testSources() throws IOException {
    Map<String, String> sources = new HashMap<>();
    for (String module : MODULES) {
      for (String language : List.of("java", "kotlin")) {
        Path root = Path.of("..", module, "src", "test", language);
        if (!Files.isDirectory(root)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(root)) {
          files.filter(file -> file.toString().endsWith(".java")
              || file.toString().endsWith(".kt")).forEach(file -> {
                String name = file.getFileName().toString();
                try {
                  sources.merge(name.substring(0, name.lastIndexOf('.')),
                      Files.readString(file), String::concat);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
        }
      }
    }
    return sources;
  }
}
