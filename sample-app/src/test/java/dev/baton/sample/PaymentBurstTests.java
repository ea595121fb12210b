package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code POST /payments/burst/{n}} answers with how many of its own charges ran at the same time,
 * not the most of any burst since start-up.
 */
class PaymentBurstTests extends RunningSampleAppTest {

  @Test
  void aBurstReportsItsOwnConcurrencyNotAnEarlierBurstsPeak() {
    Burst wide = client.postJson("/payments/burst/12", Burst.class);
    assertThat(wide.mostInFlight()).isEqualTo(3);

    Burst single = client.postJson("/payments/burst/1", Burst.class);

    assertThat(single.charged()).isEqualTo(1);
    assertThat(single.mostInFlight()).as("one charge alone ran one at a time").isEqualTo(1);
  }

  record Burst(int charged, int mostInFlight) {}
}
