package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an IDE shows of Baton's properties: the metadata the configuration processor wrote. */
class ConfigurationMetadataTest {

  @Test
  void theAspectOrderDescriptionIsWhole() throws IOException {
    List<String> descriptions = JsonPath.read(batonMetadata(),
        "$.properties[?(@.name == 'baton.aspect-order')].description");
    assertThat(descriptions).singleElement().asString()
        .contains("@AwaitsEvent, @Limited and @Guarded")
        .endsWith("so a lock is held until the transaction has committed.");
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
