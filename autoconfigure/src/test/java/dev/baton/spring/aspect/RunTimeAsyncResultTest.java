package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Methods whose declared return type no adapter but the blocking one handles ({@code Object})
 * returning a result still to come at run time, against the README's promise that a lock or
 * permit is held until the result completes. A {@code CompletionStage} is held until it has
 * completed, and the call's future completes only after that; anything else still to come (a
 * publisher, a {@code Stream}, a plain {@code Future}) cannot be held on to, and fails the call
 * naming the method and the type once nothing is held. A plain value passes as before.
 */
@Timeout(60)
class RunTimeAsyncResultTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withBean(ObjectResults.class);

  @Test
  void twoCallsReturningFuturesAtRunTimeTakeTheLockInTurn() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncLock lock = context.getBean(PrimitiveRegistry.class).lock("objects");
      CompletableFuture<String> firstWork = new CompletableFuture<>();
      CompletableFuture<String> secondWork = new CompletableFuture<>();

      CompletableFuture<?> first = (CompletableFuture<?>) bean.guarded(firstWork);
      assertThat(lock.isLocked()).isTrue();
      CompletableFuture<Object> second = CompletableFuture.supplyAsync(
          () -> bean.guarded(secondWork));
      eventually().until(() -> lock.waiters() == 1);
      assertThat(first).isNotDone();
      assertThat(second).isNotDone();

      firstWork.complete("first");
      assertThat(first).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("first");
      CompletableFuture<?> secondResult =
          (CompletableFuture<?>) second.get(5, TimeUnit.SECONDS);
      assertThat(lock.isLocked()).isTrue();
      assertThat(secondResult).isNotDone();

      secondWork.complete("second");
      assertThat(secondResult).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("second");
      assertThat(lock.isLocked()).isFalse();
    });
  }

  /** As a method declaring {@code CompletionStage}: its future completes once let go. */
  @Test
  void theCallsFutureCompletesAfterThePermitIsBack() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncSemaphore semaphore = context.getBean(PrimitiveRegistry.class).semaphore("permits");
      CompletableFuture<String> work = new CompletableFuture<>();

      CompletableFuture<?> call = (CompletableFuture<?>) bean.limited(work);
      assertThat(semaphore.availablePermits()).isZero();
      CompletableFuture<Integer> availableOnCompletion =
          call.thenApply(done -> semaphore.availablePermits());

      work.complete("done");
      assertThat(availableOnCompletion).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1);
    });
  }

  @Test
  void aFailedFutureFailsTheCallAndLetsGo() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncLock lock = context.getBean(PrimitiveRegistry.class).lock("objects");
      CompletableFuture<String> work = new CompletableFuture<>();

      CompletableFuture<?> call = (CompletableFuture<?>) bean.guarded(work);
      work.completeExceptionally(new IllegalStateException("boom"));

      assertThat(call).failsWithin(Duration.ofSeconds(5))
          .withThrowableThat().havingRootCause().withMessage("boom");
      assertThat(lock.isLocked()).isFalse();
    });
  }

  /** The common case costs nothing: a plain value, or a future already done, comes back as is. */
  @Test
  void aPlainValueOrADoneFutureIsReturnedItself() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncLock lock = context.getBean(PrimitiveRegistry.class).lock("objects");
      CompletableFuture<String> done = CompletableFuture.completedFuture("done");

      assertThat(bean.guarded("plain")).isEqualTo("plain");
      assertThat(bean.guarded(null)).isNull();
      assertThat(bean.guarded(done)).isSameAs(done);
      assertThat(lock.isLocked()).isFalse();
    });
  }

  @Test
  void anEventIsSetOnceTheFutureCompletesNormally() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncEvent event = context.getBean(PrimitiveRegistry.class).event("objects-done");
      CompletableFuture<String> failing = new CompletableFuture<>();
      CompletableFuture<String> succeeding = new CompletableFuture<>();

      bean.setsEvent(failing);
      bean.setsEvent(succeeding);
      assertThat(event.isSet()).isFalse();
      failing.completeExceptionally(new IllegalStateException("boom"));
      assertThat(event.isSet()).isFalse();

      succeeding.complete("done");
      assertThat(event.isSet()).isTrue();
    });
  }

  static Stream<Object> stillToCome() {
    return Stream.of(Mono.just("mono"), Flux.just("flux"), Stream.of("stream"),
        new FutureTask<>(() -> "task"));
  }

  /**
   * A result Baton cannot hold on to fails the call, naming the method and the type, with the
   * lock let go and the event not set.
   */
  @ParameterizedTest
  @MethodSource
  void stillToCome(Object result) {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      String type = result.getClass().getName();

      assertThatThrownBy(() -> bean.guarded(result)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(ObjectResults.class.getName() + ".guarded(Object)")
          .hasMessageContaining(type);
      assertThatThrownBy(() -> bean.setsEvent(result)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(ObjectResults.class.getName() + ".setsEvent(Object)")
          .hasMessageContaining(type);

      AsyncLock lock = registry.lock("objects");
      assertThat(lock.isLocked()).isFalse();
      assertThat(lock.waiters()).isZero();
      assertThat(registry.event("objects-done").isSet()).isFalse();
    });
  }

  /**
   * A stage whose method declares a type that a future completing after the release cannot be
   * returned as is refused too, rather than returned while its callbacks may run before that.
   */
  @Test
  void aStageTheDeclaredTypeCannotBeGivenAFutureForIsRefused() {
    contextRunner.run(context -> {
      ObjectResults bean = context.getBean(ObjectResults.class);
      AsyncLock lock = context.getBean(PrimitiveRegistry.class).lock("objects");

      assertThatThrownBy(() -> bean.pending(new PendingFuture()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(ObjectResults.class.getName() + ".pending(Pending)")
          .hasMessageContaining(PendingFuture.class.getName());
      assertThat(lock.isLocked()).isFalse();
    });
  }

  /** A result type that a {@code CompletionStage} implementation may implement too. */
  public interface Pending {}

  /** A future that is also {@link Pending}: what a method declaring {@code Pending} returns. */
  public static final class PendingFuture extends CompletableFuture<String> implements Pending {}

  public static class ObjectResults {
    @Guarded("objects")
    public Object guarded(Object result) {
      return result;
    }

    @Limited(value = "permits", permits = 1)
    public Object limited(Object result) {
      return result;
    }

    @SetsEvent("objects-done")
    public Object setsEvent(Object result) {
      return result;
    }

    @Guarded("objects")
    public Pending pending(Pending result) {
      return result;
    }
  }
}
