package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A method declaring {@code CompletionStage} may return a read-only stage
 * ({@code minimalCompletionStage()}, {@code CompletableFuture.completedStage}), whose
 * {@code isDone} throws {@code UnsupportedOperationException}: a call granted its permit at once
 * must still return the stage and hold the permit until it completes, not throw with the permit
 * kept for good.
 */
@Timeout(30)
class MinimalCompletionStageTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s")
      .withBean(Service.class);

  public static class Service {

    @Limited(value = "minimal-stage", permits = 1)
    public CompletionStage<String> minimal(Probe probe) {
      return probe.body("minimal").minimalCompletionStage();
    }

    @Limited(value = "minimal-stage", permits = 1)
    public CompletionStage<String> completed() {
      return CompletableFuture.completedStage("completed");
    }
  }

  @Test
  void aMinimalStageHoldsThePermitUntilItCompletesAndThenGivesItBack() {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      AsyncSemaphore permits =
          context.getBean(PrimitiveRegistry.class).semaphore("minimal-stage");
      Probe probe = Probe.finishedByTest();

      CompletionStage<String> call = service.minimal(probe);
      assertThat(permits.availablePermits()).as("while the stage runs").isZero();
      probe.finishNext();

      assertThat(call.toCompletableFuture()).succeedsWithin(Duration.ofSeconds(5))
          .isEqualTo("minimal");
      assertThat(permits.availablePermits()).as("once the stage completed").isOne();
    });
  }

  @Test
  void aMinimalStageCompletedAlreadyGivesThePermitBackAtOnce() {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      AsyncSemaphore permits =
          context.getBean(PrimitiveRegistry.class).semaphore("minimal-stage");

      CompletionStage<String> call = service.completed();

      assertThat(call.toCompletableFuture()).succeedsWithin(Duration.ofSeconds(5))
          .isEqualTo("completed");
      assertThat(permits.availablePermits()).isOne();
    });
  }
}
