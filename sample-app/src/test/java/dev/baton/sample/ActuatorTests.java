package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The sample exposes Baton's meters to Prometheus. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ActuatorTests {

  @LocalServerPort
  int port;

  SampleClient client;

  @BeforeEach
  void connect() {
    client = new SampleClient(port);
  }

  @Test
  void prometheusServesBatonMeters() {
    String scrape = client.get("/actuator/prometheus").body();

    assertThat(scrape)
        .contains("baton_semaphore_permits_max{name=\"payments\"} 3.0")
        .contains("baton_queue_capacity{name=\"orders\"} 50.0")
        .contains("baton_event_set{name=\"catalog-loaded\"}")
        .contains("baton_lock_held{name=\"demo-lock\"}");
  }
}
