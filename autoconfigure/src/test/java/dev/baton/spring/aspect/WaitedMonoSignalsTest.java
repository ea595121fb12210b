package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The method's own {@code Mono} ends as it would without Baton, whether its call waited or not.
 * Regression: after a wait it was cancelled right after its value, where a call granted at once
 * completed, so {@code doFinally} and {@code doOnCancel} told the two apart.
 */
@Timeout(30)
class WaitedMonoSignalsTest {

  private final AsyncSemaphore semaphore = AsyncSemaphore.create(1);
  private final Gate<Permit> gate = Gate.holding(semaphore, Duration.ofSeconds(10), "signals");
  private final List<SignalType> signals = new CopyOnWriteArrayList<>();

  private Mono<?> call() {
    return (Mono<?>) new MonoAdapter().around(gate,
        () -> Mono.just("value").doFinally(signals::add));
  }

  @Test
  void grantedAtOnceTheMethodsMonoCompletes() {
    assertThat(call().toFuture()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("value");
    assertThat(signals).containsExactly(SignalType.ON_COMPLETE);
  }

  @Test
  void afterAWaitTheMethodsMonoCompletesToo() {
    Permit holder = semaphore.acquire().join();
    CompletableFuture<?> result = call().toFuture();
    assertThat(result).isNotDone();

    holder.release();

    assertThat(result).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("value");
    assertThat(signals).containsExactly(SignalType.ON_COMPLETE);
    assertThat(semaphore.availablePermits()).isOne();
  }
}
