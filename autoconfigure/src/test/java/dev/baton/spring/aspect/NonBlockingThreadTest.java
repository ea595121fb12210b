package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A synchronous annotated method called on a thread Reactor marks non-blocking fails at once,
 * before it waits or runs, whether or not it would have had to wait; on a thread that may block
 * it waits as ever, and {@code @SetsEvent}, which never waits, runs anywhere.
 */
class NonBlockingThreadTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withBean(Reports.class);

  @Test
  void aSynchronousCallOnANonBlockingThreadFailsAtOnceEvenWithAPermitFree() {
    contextRunner.run(context -> {
      Reports reports = context.getBean(Reports.class);
      int runs = Reports.RUNS.get();

      Mono<String> onParallel = Mono.fromCallable(reports::report)
          .subscribeOn(Schedulers.parallel());

      assertThat(onParallel.map(Object::toString).onErrorResume(
          failure -> Mono.just(failure.getClass().getName() + ": " + failure.getMessage()))
          .block(Duration.ofSeconds(5)))
          .startsWith(IllegalStateException.class.getName())
          .contains(Reports.class.getName() + ".report()", "non-blocking",
              "Schedulers.boundedElastic()");
      assertThat(Reports.RUNS).hasValue(runs);
      assertThat(context.getBean(PrimitiveRegistry.class).semaphore("reports")
          .availablePermits()).isEqualTo(1);
    });
  }

  @Test
  void aSynchronousCallOnBoundedElasticWaitsAndRuns() {
    contextRunner.run(context -> {
      Reports reports = context.getBean(Reports.class);

      assertThat(Mono.fromCallable(reports::report).subscribeOn(Schedulers.boundedElastic())
          .block(Duration.ofSeconds(5))).isEqualTo("report");
      assertThat(Mono.fromCallable(reports::publish).subscribeOn(Schedulers.parallel())
          .block(Duration.ofSeconds(5))).isEqualTo("published");
      assertThat(context.getBean(PrimitiveRegistry.class).event("published").isSet()).isTrue();
    });
  }

  public static class Reports {
    /** Static: a field of the bean would be read off its proxy. */
    static final AtomicInteger RUNS = new AtomicInteger();

    @Limited(value = "reports", permits = 1)
    public String report() {
      RUNS.incrementAndGet();
      return "report";
    }

    @SetsEvent("published")
    public String publish() {
      return "published";
    }
  }
}
