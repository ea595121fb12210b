package dev.baton.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Like every actuator endpoint, {@code baton} stays off HTTP until the user exposes it. */
@SpringBootTest(classes = EndpointTestApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BatonEndpointExposureTest {

  @LocalServerPort
  int port;

  @Test
  void theEndpointIsNotExposedOverHttpByDefault() {
    assertThat(Http.get(port, "/actuator/baton").statusCode()).isEqualTo(404);
    assertThat(Http.get(port, "/actuator/health").statusCode()).isEqualTo(200);
  }
}
