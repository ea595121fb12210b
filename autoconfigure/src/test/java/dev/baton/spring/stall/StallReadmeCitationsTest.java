package dev.baton.spring.stall;

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
 * The README's "When async code gets stuck" names the tests that hold its promises: each test
 * class it cites exists, and each test method it cites exists, in the class it names when it
 * names one, so that a renamed or removed test cannot leave a promise that no test holds.
 */
class StallReadmeCitationsTest {

  /** A cited test class. */
  private static final Pattern CLASS = Pattern.compile("`([A-Z][A-Za-z]+Tests?)[`.]");
  /** A cited test method, maybe after its class: a name of six words at least. */
  private static final Pattern METHOD =
      Pattern.compile("`(?:([A-Z][A-Za-z]+Tests?)\\.)?([a-z][a-z]*(?:[A-Z][a-z0-9]*){5,})`");

  @Test
  void everyTestTheStallSectionCitesExists() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("\n## When async code gets stuck");
    String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
    Map<String, String> sources = testSources();

    List<String> classes = new ArrayList<>();
    for (Matcher cited = CLASS.matcher(section); cited.find(); ) {
      classes.add(cited.group(1));
    }
    List<String[]> methods = new ArrayList<>();
    for (Matcher cited = METHOD.matcher(section); cited.find(); ) {
      methods.add(new String[] {cited.group(1), cited.group(2)});
    }

    assertThat(classes).as("test classes cited").hasSizeGreaterThan(10)
        .allSatisfy(name -> assertThat(sources).as("README cites %s", name).containsKey(name));
    assertThat(methods).as("test methods cited").hasSizeGreaterThan(40).allSatisfy(cited -> {
      String declared = "void " + cited[1] + "(";
      if (cited[0] != null) {
        assertThat(sources.get(cited[0])).as("README cites %s.%s", cited[0], cited[1])
            .isNotNull().contains(declared);
      } else {
        assertThat(sources.values()).as("README cites %s", cited[1])
            .anySatisfy(source -> assertThat(source).contains(declared));
      }
    });
  }

  /** The test sources of this module and the sample's, by class name. */
  private static Map<String, String> testSources() throws IOException {
    Map<String, String> sources = new HashMap<>();
    for (Path root : List.of(Path.of("src", "test", "java"),
        Path.of("..", "sample-app", "src", "test", "java"))) {
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(file -> file.toString().endsWith(".java")).forEach(file -> {
          String name = file.getFileName().toString();
          try {
            sources.put(name.substring(0, name.length() - ".java".length()),
                Files.readString(file));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }
    return sources;
  }
}
