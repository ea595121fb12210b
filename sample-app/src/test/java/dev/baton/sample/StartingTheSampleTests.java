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

/**
 * Started as the README says: {@code PORT} picks the port, and it prints the URL to open;
 * {@code sample.instance} names the instance.
 */
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

  /**
   * {@code sample.instance}, when set, is the instance's name: on its orders line and on the
   * orders it places, which is how instances sharing one Redis tell their orders apart.
   */
  @Test
  void sampleInstanceNamesTheInstanceAndTheOrdersItPlaces() {
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(
        SampleApplication.class).run("--server.port=0", "--sample.instance=shop-1")) {
      SampleClient client =
          new SampleClient(((WebServerApplicationContext) app).getWebServer().getPort());

      assertThat(client.postJson("/orders?sku=tea", Order.class).placedBy()).isEqualTo("shop-1");
      assertThat(client.getJson("/orders", Orders.class).instance()).isEqualTo("shop-1");
    }
  }

  record Order(String sku, String placedBy) {}

  record Orders(String instance) {}
}
