package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.redis.RedisBackend;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.redis.RedisTestApplication.Payments;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Calls made in an application after its Redis backend has closed (as it does when the context
 * shuts down, while work of the application may still run) are refused with an error saying so,
 * reported as the call's return type reports a failed wait.
 */
class ClosedRedisBackendTest {

  @Test
  void callsAfterTheBackendClosedAreRefusedAsTheirReturnTypeReportsAFailedWait() {
    try (TwoRedisInstances instances = new TwoRedisInstances(
        "spring.main.web-application-type=none", "baton.redis.lease=1s",
        "baton.semaphores.payments.permits=1")) {
      instances.one.getBean(RedisBackend.class).close();

      CompletableFuture<String> paid = instances.one.getBean(Payments.class)
          .pay("after close", CompletableFuture.completedFuture("paid"));

      assertThat(paid).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
          .havingRootCause().isInstanceOf(IllegalStateException.class)
          .withMessageContaining("was closed");
      assertThatThrownBy(() -> instances.one.getBean(PrimitiveRegistry.class).lock("ledger")
          .acquire()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("was closed");
    }
  }
}
