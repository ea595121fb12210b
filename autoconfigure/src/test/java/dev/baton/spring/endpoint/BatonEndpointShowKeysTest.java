package dev.baton.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.baton.spring.Http;
import dev.baton.spring.endpoint.EndpointTestApplication.Stock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@SpringBootTest(classes = EndpointTestApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"management.endpoints.web.exposure.include=baton",
        "baton.endpoint.show-keys=true"})
class BatonEndpointShowKeysTest {

  @LocalServerPort
  int port;

  @Autowired
  Stock stock;

  @Test
  void withShowKeysAFamilyListsEachLiveKeyAndItsLock() {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> first = stock.reserve("sku-9", done);
    CompletableFuture<String> second = stock.reserve("sku-9", done);

    String body = Http.get(port, "/actuator/baton/stock").body();
    List<Map<String, Object>> keys = JsonPath.read(body, "$.primitives[0].keys");
    assertThat(keys).singleElement().satisfies(key -> assertThat(key)
        .containsEntry("key", "sku-9").containsEntry("state", "locked")
        .containsEntry("waiters", 1).containsEntry("holders", 1));

    done.complete("reserved");
    CompletableFuture.allOf(first, second).join();
    assertThat((List<?>) JsonPath.read(Http.get(port, "/actuator/baton/stock").body(),
        "$.primitives[0].keys")).isEmpty();
  }
}
