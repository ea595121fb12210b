package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What an IDE shows of Baton's properties: the metadata the configuration processor wrote, and
 * the Javadoc of the per-name records, which IDEs read from the sources jar.
 *
 * <p>The processor writes no entries for the components of a map's values (such as
 * {@code baton.semaphores.payments.permits}), and the metadata format has no way to name them.
 * IDEs complete them from the map's type, which names the value record; the map's description
 * names them for every tool that shows descriptions.
 */
class ConfigurationMetadataTest {

  /** Per kind, the map property and the record of its values. */
  private static final Map<String, Class<? extends Record>> PER_NAME = Map.of(
      "baton.locks", BatonProperties.Lock.class,
      "baton.semaphores", BatonProperties.Semaphore.class,
      "baton.events", BatonProperties.Event.class,
      "baton.queues", BatonProperties.Queue.class,
      "baton.barriers", BatonProperties.Barrier.class);

  @Test
  void theAspectOrderDescriptionIsWhole() throws IOException {
    List<String> descriptions = JsonPath.read(batonMetadata(),
        "$.properties[?(@.name == 'baton.aspect-order')].description");
    assertThat(descriptions).singleElement().asString()
        .contains("@AwaitsEvent, @Limited and @Guarded")
        .endsWith("so a lock is held until the transaction has committed.");
  }

  @Test
  void eachKindsMapIsTypedWithItsValueRecordSoIdesCompleteThePerNameKeys() throws IOException {
    String metadata = batonMetadata();
    PER_NAME.forEach((map, record) -> assertThat(JsonPath.<List<String>>read(metadata,
        "$.properties[?(@.name == '" + map + "')].type")).as(map).singleElement()
        .isEqualTo("java.util.Map<java.lang.String," + record.getName() + ">"));
  }

  @Test
  void eachKindsDescriptionNamesEveryKeyOfItsValueRecord() throws IOException {
    String metadata = batonMetadata();
    PER_NAME.forEach((map, record) -> {
      String description = description(metadata, map);
      for (RecordComponent component : record.getRecordComponents()) {
        assertThat(description).as(map)
            .contains(map + ".NAME." + kebabCase(component.getName()) + " (");
      }
    });
  }

  @Test
  void theQueuesDescriptionOffersEveryOrder() throws IOException {
    List<String> orders = Arrays.stream(BatonProperties.QueueOrder.values())
        .map(order -> order.name().toLowerCase(Locale.ROOT)).collect(Collectors.toList());
    String offered = String.join(", ", orders.subList(0, orders.size() - 1)) + " or "
        + orders.get(orders.size() - 1);
    assertThat(description(batonMetadata(), "baton.queues"))
        .contains("baton.queues.NAME.order (" + offered + ";");
  }

  @Test
  void everyPerNameKeyAndQueueOrderHasTheJavadocIdesShow() throws IOException {
    String source = Files.readString(
        Path.of("src/main/java/dev/baton/spring/BatonProperties.java"), StandardCharsets.UTF_8);
    PER_NAME.forEach((map, record) -> {
      String javadoc = javadocBefore(source, "public record " + record.getSimpleName() + "\\(");
      for (RecordComponent component : record.getRecordComponents()) {
        assertThat(javadoc).as(record.getSimpleName())
            .containsPattern("@param " + component.getName() + " \\S");
      }
    });
    for (BatonProperties.QueueOrder order : BatonProperties.QueueOrder.values()) {
      assertThat(javadocBefore(source, "\\n\\s*" + order.name() + "[,\\n]"))
          .as(order.name()).isNotBlank();
    }
  }

  /** The Javadoc comment right before the first match of {@code declaration}, or "" if none. */
  private static String javadocBefore(String source, String declaration) {
    Matcher at = Pattern.compile(declaration).matcher(source);
    if (!at.find()) {
      return "";
    }
    Matcher comment = Pattern.compile("(?s)/\\*\\*((?:(?!\\*/).)*)\\*/\\s*$")
        .matcher(source.substring(0, at.start()));
    return comment.find() ? comment.group(1).replaceAll("[\\s*]+", " ").trim() : "";
  }

  private static String description(String metadata, String property) {
    List<String> descriptions = JsonPath.read(metadata,
        "$.properties[?(@.name == '" + property + "')].description");
    assertThat(descriptions).as(property).hasSize(1);
    return descriptions.get(0);
  }

  /**
   * The README's property reference lists every property the metadata has, and only those, each
   * with the metadata's default; and for each kind, exactly the keys of its value record, each
   * with the record's default.
   */
  @Test
  void theReadmesPropertyReferenceListsEveryPropertyWithItsDefault() throws IOException {
    Map<String, String> readme = readmePropertyReference();
    String metadata = batonMetadata();
    List<Map<String, Object>> properties = JsonPath.read(metadata,
        "$.properties[?(@.name =~ /baton\\..*/)]");
    Map<String, String> documented = new TreeMap<>();
    for (Map<String, Object> property : properties) {
      String name = (String) property.get("name");
      String type = (String) property.get("type");
      if (type.startsWith("java.util.Map<java.lang.String,dev.baton.spring.BatonProperties$")) {
        Class<?> record = PER_NAME.get(name);
        if (record == null) {
          continue; // baton.stalls.primitives, checked below by name
        }
        for (RecordComponent component : record.getRecordComponents()) {
          DefaultValue value = component.getAnnotation(DefaultValue.class);
          documented.put(name + ".NAME." + kebabCase(component.getName()),
              value == null ? null : value.value()[0]);
        }
      } else {
        Object value = property.get("defaultValue");
        documented.put(name, value == null ? null : String.valueOf(value));
      }
    }
    documented.put("baton.stalls.primitives.NAME.held-too-long", null);

    assertThat(readme.keySet()).containsExactlyInAnyOrderElementsOf(documented.keySet());
    documented.forEach((name, metadataDefault) -> {
      String readmeDefault = readme.get(name);
      if (metadataDefault != null && readmeDefault.startsWith("`")) {
        String shown = readmeDefault.replace("`", "")
            .replace("LOWEST_PRECEDENCE - 100", String.valueOf(Integer.MAX_VALUE - 100));
        assertThat(shown).as("README default of %s", name).isEqualToIgnoringCase(metadataDefault);
      }
    });
  }

  /** Each row of the README's property reference: the property and its default column. */
  private static Map<String, String> readmePropertyReference() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String table = readme.substring(readme.indexOf("### Property reference"),
        readme.indexOf("The `baton.redis.*` properties apply"));
    Map<String, String> rows = new TreeMap<>();
    Matcher row = Pattern.compile("(?m)^\\| `(baton\\.[^`]+)`[^|]*\\|([^|]*)\\|")
        .matcher(table);
    while (row.find()) {
      rows.put(row.group(1), row.group(2).trim());
    }
    return rows;
  }

  private static String kebabCase(String camelCase) {
    return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static String batonMetadata() throws IOException {
    for (URL url : Collections.list(ConfigurationMetadataTest.class.getClassLoader()
        .getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (json.contains("\"baton.aspect-order\"")) {
          return json;
        }
      }
    }
    throw new IllegalStateException("no configuration metadata of Baton on the class path");
  }
}
