package dev.baton.sample;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A test against the sample app running on a random port: {@link #client} talks to it over real
 * HTTP, freshly made before each test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class RunningSampleAppTest {

  @LocalServerPort
  private int port;

  protected SampleClient client;

  @BeforeEach
  protected void connect() {
    client = new SampleClient(port);
  }
}
