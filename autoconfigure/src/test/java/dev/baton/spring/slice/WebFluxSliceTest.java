package dev.baton.spring.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.slice.PaymentsController.Held;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A {@code @WebFluxTest} slice applies Baton's annotations as the application does: the
 * controller's {@code @Limited} holds its one permit while a payment runs, and a second payment
 * that times out waiting answers 503 with a {@code Retry-After}.
 */
@WebFluxTest(value = PaymentsController.class,
    properties = "baton.semaphores.payments.permits=1")
class WebFluxSliceTest {

  @Autowired
  WebTestClient client;

  @Autowired
  PaymentsController controller;

  @Autowired
  ApplicationContext context;

  @Test
  void theSliceDeclaresThePrimitivesAndAdvisesTheController() {
    BatonInSlice.assertLoaded(context, controller);
  }

  @Test
  void aSecondPaymentWhileTheFirstHoldsThePermitAnswers503AndTheFirstThenCompletes()
      throws Exception {
    Held held = controller.holdNextPayment();
    CompletableFuture<EntityExchangeResult<String>> first = CompletableFuture.supplyAsync(
        () -> client.get().uri("/pay").exchange().expectBody(String.class).returnResult());
    held.started().get(5, TimeUnit.SECONDS);

    client.get().uri("/pay").exchange()
        .expectStatus().isEqualTo(503)
        .expectHeader().valueEquals("Retry-After", "1")
        .expectBody()
        .jsonPath("$.primitive").isEqualTo("semaphore")
        .jsonPath("$.name").isEqualTo("payments");

    held.release().complete("paid");
    EntityExchangeResult<String> answered = first.get(5, TimeUnit.SECONDS);
    assertThat(answered.getStatus().value()).isEqualTo(200);
    assertThat(answered.getResponseBody()).isEqualTo("paid");
    client.get().uri("/pay").exchange().expectStatus().isOk();
  }
}
