package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * With the Redis backend the registry's close does nothing: the waits of the instance are the
 * backend's to fail at its own close, so until then they stay in line and new ones are taken.
 */
class RedisRegistryCloseTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @Test
  void closingTheRegistryOfARedisInstanceNeitherFailsItsWaitsNorRefusesNewOnes() {
    try (TwoRedisInstances instances = new TwoRedisInstances(
        "spring.main.web-application-type=none", "baton.redis.lease=3s",
        "baton.semaphores.payments.permits=1")) {
      PrimitiveRegistry one = instances.one.getBean(PrimitiveRegistry.class);
      Permit held = instances.two.getBean(PrimitiveRegistry.class).lock("ledger").acquire()
          .join();
      CompletableFuture<Permit> pending = one.lock("ledger").acquire();
      one.event("ready").set();

      instances.one.getBean(DefaultPrimitiveRegistry.class).close();

      CompletableFuture<Permit> askedAfter = one.lock("ledger").acquire();
      assertThat(pending).isNotDone();
      assertThat(one.event("ready").await()).succeedsWithin(PATIENCE);
      held.release();
      assertThat(pending).succeedsWithin(PATIENCE);
      assertThat(askedAfter).isNotDone();
      pending.join().release();
      assertThat(askedAfter).succeedsWithin(PATIENCE);
      askedAfter.join().release();
    }
  }
}
