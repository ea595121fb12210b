package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Started as the README says: {@code PORT} picks the port, and it prints the URL to open. */
@ExtendWith(OutputCaptureExtension.class)
class StartingTheSampleTests {

  @Test
  void portPicksThePortAndTheAppPrintsTheUrlToOpen(CapturedOutput output) throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }

    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(
        SampleApplication.class).properties("PORT=" + port).run()) {
      assertThat(((WebServerApplicationContext) app).getWebServer().getPort()).isEqualTo(port);
      assertThat(output.getOut()).contains("Baton sample app: open http://localhost:" + port + "/");
      assertThat(new SampleClient(port).get("/").statusCode()).isEqualTo(200);
    }
  }
}
