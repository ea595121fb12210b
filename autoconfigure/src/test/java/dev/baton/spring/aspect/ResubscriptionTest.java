package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CallContextServices.ResubscribedService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.publisher.Mono;

/**
 * A {@code Mono} or {@code Flux} method subscribed more than once ({@code retry}, {@code repeat},
 * several subscribers) runs its body once per subscription, and every run goes through the advice
 * inside Baton's: an inner {@code @Guarded} holds its lock and an inner {@code @Transactional}
 * begins a transaction every time.
 */
@CallContextTest
@Timeout(60)
class ResubscriptionTest {

  private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

  @Autowired
  private ResubscribedService service;

  @Autowired
  private TransactionJournal journal;

  @Autowired
  private PrimitiveRegistry registry;

  @BeforeEach
  void clearJournal() {
    journal.clear();
  }

  @Test
  void aRetriedMonoHoldsTheInnerLockOnEveryAttempt() {
    Attempts attempts = Attempts.failingFirst(2, Probe.finishingAfter(Duration.ZERO));

    String result = service.guardedMono(attempts).retry(2).block(FIVE_SECONDS);

    assertThat(result).isEqualTo("run 3");
    assertThat(attempts.seen()).as("lock held in each run").containsExactly(true, true, true);
    assertThat(registry.lock(ResubscribedService.MONO_LOCK).isLocked()).isFalse();
  }

  @Test
  void aRepeatedFluxHoldsTheInnerLockOnEveryRun() {
    Attempts attempts = Attempts.failingFirst(0, Probe.finishingAfter(Duration.ZERO));

    List<String> results = service.guardedFlux(attempts).repeat(2).collectList()
        .block(FIVE_SECONDS);

    assertThat(results).containsExactly("run 1", "run 2", "run 3");
    assertThat(attempts.seen()).as("lock held in each run").containsExactly(true, true, true);
    assertThat(registry.lock(ResubscribedService.FLUX_LOCK).isLocked()).isFalse();
  }

  @Test
  void twoSubscribersOfOneMonoTakeTheInnerLockInTurn() {
    Probe probe = Probe.finishedByTest();
    Attempts attempts = Attempts.failingFirst(0, probe);
    Mono<String> mono = service.guardedMono(attempts);

    CompletableFuture<String> first = mono.toFuture();
    CompletableFuture<String> second = mono.toFuture();
    probe.finishNext();
    probe.finishNext();

    assertThat(first).succeedsWithin(FIVE_SECONDS);
    assertThat(second).succeedsWithin(FIVE_SECONDS);
    assertThat(probe.maxInFlight()).as("bodies in flight at once").isEqualTo(1);
    assertThat(attempts.seen()).containsExactly(true, true);
  }

  @Test
  void concurrentSubscribersOfOneMonoNeverRunTheBodyWithoutTheInnerLock() {
    for (int round = 0; round < 200; round++) {
      Probe probe = Probe.finishingAfter(Duration.ofMillis(1));
      Attempts attempts = Attempts.failingFirst(0, probe);
      Mono<String> mono = service.guardedMono(attempts);

      List<CompletableFuture<String>> subscribers = Waits.onThreads(2, i -> mono.toFuture())
          .stream().map(subscribed -> subscribed.thenCompose(result -> result)).toList();

      assertThat(Waits.all(subscribers)).succeedsWithin(FIVE_SECONDS);
      assertThat(probe.maxInFlight()).as("bodies in flight at once, round " + round).isEqualTo(1);
      assertThat(attempts.seen()).as("lock held in each run, round " + round)
          .containsExactly(true, true);
    }
  }

  @Test
  void aRetriedMonoBeginsATransactionOnEveryAttempt() {
    Attempts attempts = Attempts.failingFirst(2, Probe.finishingAfter(Duration.ZERO));

    service.transactionalMono(attempts).retry(2).block(FIVE_SECONDS);

    assertThat(attempts.seen()).as("transaction active in each run")
        .containsExactly(true, true, true);
    assertThat(journal.entries()).filteredOn(entry -> entry.startsWith("begin")).hasSize(3);
  }

  @Test
  void aMonoZippedWithItselfRunsItsBodiesUnderTheLockInTurn() {
    Probe probe = Probe.finishingAfter(Duration.ofMillis(1));
    Attempts attempts = Attempts.failingFirst(0, probe);
    Mono<String> mono = service.guardedMono(attempts);

    String zipped = Mono.zip(mono, mono, (a, b) -> a + ", " + b).block(FIVE_SECONDS);

    assertThat(zipped).isEqualTo("run 1, run 2");
    assertThat(probe.maxInFlight()).as("bodies in flight at once").isEqualTo(1);
    assertThat(attempts.seen()).containsExactly(true, true);
  }
}
