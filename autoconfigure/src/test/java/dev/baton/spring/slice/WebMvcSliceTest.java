package dev.baton.spring.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.baton.spring.slice.PaymentsController.Held;
import dev.baton.spring.stall.StallView;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * A {@code @WebMvcTest} slice applies Baton's annotations as the application does: the
 * controller's {@code @Limited} holds its one permit while a payment runs, and a second payment
 * that times out waiting answers 503 with a {@code Retry-After}. The stall view that a test's
 * properties turn on runs in the slice too.
 */
@WebMvcTest(value = PaymentsController.class,
    properties = {"baton.semaphores.payments.permits=1", "baton.stalls.level=strict"})
class WebMvcSliceTest {

  @Autowired
  MockMvc mvc;

  @Autowired
  PaymentsController controller;

  @Autowired
  ApplicationContext context;

  @Test
  void theSliceDeclaresThePrimitivesAndAdvisesTheController() {
    BatonInSlice.assertLoaded(context, controller);
  }

  @Test
  void theStallViewTheTestTurnsOnRunsInTheSlice() {
    assertThat(context.getBeanProvider(StallView.class).getIfAvailable()).isNotNull();
  }

  @Test
  void aSecondPaymentWhileTheFirstHoldsThePermitAnswers503AndTheFirstThenCompletes()
      throws Exception {
    Held held = controller.holdNextPayment();
    MvcResult first = mvc.perform(get("/pay")).andExpect(request().asyncStarted()).andReturn();
    held.started().get(5, TimeUnit.SECONDS);

    MvcResult second = mvc.perform(get("/pay")).andExpect(request().asyncStarted()).andReturn();
    mvc.perform(asyncDispatch(second))
        .andExpect(status().isServiceUnavailable())
        .andExpect(header().string("Retry-After", "1"))
        .andExpect(jsonPath("$.primitive").value("semaphore"))
        .andExpect(jsonPath("$.name").value("payments"));

    held.release().complete("paid");
    mvc.perform(asyncDispatch(first)).andExpect(status().isOk())
        .andExpect(content().string("paid"));
    MvcResult third = mvc.perform(get("/pay")).andExpect(request().asyncStarted()).andReturn();
    mvc.perform(asyncDispatch(third)).andExpect(status().isOk());
  }
}
