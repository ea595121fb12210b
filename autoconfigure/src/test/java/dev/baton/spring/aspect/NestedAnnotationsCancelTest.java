package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A caller that cancels the future of a call whose body runs under two annotations: the body
 * goes on, and so do both holds, until it ends. Regression: the inner annotation's scope was
 * cancelled with the outer one, which let the outer permit go while the body ran, so a second
 * call ran beside it past {@code permits = 1}.
 */
@Timeout(30)
class NestedAnnotationsCancelTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s")
      .withBean(Service.class);

  public static class Service {

    @Limited(value = "one-at-a-time", permits = 1)
    @Guarded(value = "per-sku", key = "#sku")
    public CompletableFuture<String> limitedAndGuarded(String sku, Probe probe) {
      return probe.body(sku);
    }
  }

  @Test
  void cancellingTheFutureWhileTheBodyRunsKeepsThePermitAndTheLockUntilTheBodyEnds() {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      Probe probe = Probe.finishedByTest();
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncSemaphore permits = registry.semaphore("one-at-a-time");
      AsyncLock lockA = registry.lock("per-sku", "a");

      CompletableFuture<String> call = service.limitedAndGuarded("a", probe);
      assertThat(probe.inFlight()).isEqualTo(1);
      call.cancel(false);

      assertThat(lockA.isLocked()).as("the lock, while the body runs").isTrue();
      assertThat(permits.availablePermits()).as("the permit, while the body runs").isZero();
      CompletableFuture<String> second = service.limitedAndGuarded("b", probe);
      assertThat(probe.maxInFlight()).as("bodies in flight at once, permits = 1").isEqualTo(1);
      probe.finishNext();
      probe.finishNext();
      assertThat(second).isCompletedWithValue("b");
      assertThat(permits.availablePermits()).isOne();
      assertThat(lockA.isLocked()).isFalse();
    });
  }
}
