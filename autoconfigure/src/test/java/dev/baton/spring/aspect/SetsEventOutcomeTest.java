package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code @SetsEvent} over another annotation follows the call's own outcome, not what its caller
 * does with the returned future. Regression: completing that future early (as
 * {@code completeOnTimeout} does) set the event at once, while the call still ran and held its
 * permit, and whatever the call's outcome.
 */
@Timeout(30)
class SetsEventOutcomeTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s")
      .withBean(Loader.class);

  public static class Loader {
    @SetsEvent("loaded")
    @Limited(value = "loading", permits = 1)
    public CompletableFuture<String> load(Probe probe) {
      return probe.body("catalog");
    }
  }

  @Test
  void aCallCompletedEarlyByItsCallerSetsTheEventOnlyIfItThenSucceeds() {
    contextRunner.run(context -> {
      Loader loader = context.getBean(Loader.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncEvent loaded = registry.event("loaded");
      AsyncSemaphore permits = registry.semaphore("loading");
      Probe probe = Probe.finishedByTest();

      loader.load(probe).complete("fallback");

      assertThat(probe.inFlight()).as("the body still runs").isEqualTo(1);
      assertThat(loaded.isSet()).as("while the call runs").isFalse();
      probe.failNext(new IllegalStateException("loading failed"));
      assertThat(permits.availablePermits()).isOne();
      assertThat(loaded.isSet()).as("after the call failed").isFalse();

      loader.load(probe).complete("fallback");
      probe.finishNext();
      assertThat(loaded.isSet()).as("after the call succeeded").isTrue();
    });
  }
}
