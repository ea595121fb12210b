package dev.baton.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.sample.SampleApplication;
import dev.baton.sample.SampleClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Shutting the app down settles every order already accepted before the queue closes. */
class OrderDrainTests {

  @Test
  void shutdownWaitsForQueuedOrdersToBeFulfilled() {
    // An argument, not a default property, which application.yaml's server.port would override.
    ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
        .run("--server.port=0");
    OrderLedger ledger = app.getBean(OrderLedger.class);
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();

    new SampleClient(port).postJson("/orders/burst/8?sku=tea", Object[].class);
    assertThat(ledger.settled()).as("orders settled before shutdown").isLessThan(8);
    app.close();

    assertThat(ledger.summary().outcomes()).containsEntry(Outcome.FULFILLED, 8);
  }
}
