package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A relayed wait settles once: with the wait's grant, or with an outside completion that first
 * withdrew the wait. Nothing granted is ever dropped.
 */
class RelayedGrantTests {

  private static final WaitSite SITE = new WaitSite("lock", "ledger");

  private final AtomicInteger mapped = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private CompletableFuture<String> relay(CompletableFuture<String> wait) {
    return RelayedGrant.relay(SITE, wait, granted -> {
      mapped.incrementAndGet();
      return "relayed " + granted;
    }, failures::incrementAndGet);
  }

  @Test
  void anOutsideCompleteWithdrawsThePendingWaitAndTakesEffect() {
    CompletableFuture<String> wait = new CompletableFuture<>();
    CompletableFuture<String> relayed = relay(wait);

    assertThat(relayed.complete("outside")).isTrue();

    assertThat(wait).isCancelled();
    assertThat(relayed).isCompletedWithValue("outside");
    assertThat(failures).hasValue(1);
    assertThat(mapped).hasValue(0);
  }

  @Test
  void anOutsideFailureOrCancelAlsoWithdrawsTheWait() {
    CompletableFuture<String> failedWait = new CompletableFuture<>();
    CompletableFuture<String> failed = relay(failedWait);
    CompletableFuture<String> cancelledWait = new CompletableFuture<>();
    CompletableFuture<String> cancelled = relay(cancelledWait);

    assertThat(failed.completeExceptionally(new IllegalStateException("gave up"))).isTrue();
    assertThat(cancelled.cancel(true)).isTrue();

    assertThat(failedWait).isCancelled();
    assertThat(cancelledWait).isCancelled();
    assertThat(failed).isCompletedExceptionally();
    assertThat(cancelled).isCancelled();
    assertThat(failures).hasValue(2);
  }

  @Test
  void anOutsideCompleteThatLosesToTheGrantReturnsFalseAndTheGrantIsDelivered() {
    CompletableFuture<String> wait = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        complete("permit"); // the grant got there first
        return false;
      }
    };
    CompletableFuture<String> relayed = relay(wait);

    assertThat(relayed.complete("outside")).isFalse();
    assertThat(relayed.cancel(true)).isFalse();

    assertThat(relayed).isCompletedWithValue("relayed permit");
    assertThat(mapped).hasValue(1);
  }

  @Test
  void aTimeoutWithoutANameIsReplacedByOneNamingTheSiteAndOtherFailuresPassAsTheyAre() {
    CompletableFuture<String> timedOut = new CompletableFuture<>();
    CompletableFuture<String> named = new CompletableFuture<>();
    CompletableFuture<String> broken = new CompletableFuture<>();
    AcquireTimeoutException alreadyNamed =
        new AcquireTimeoutException("semaphore", "payments", Duration.ofSeconds(2));
    IllegalStateException other = new IllegalStateException("broken");

    timedOut.completeExceptionally(new AcquireTimeoutException("lock", Duration.ofSeconds(5)));
    named.completeExceptionally(alreadyNamed);
    broken.completeExceptionally(other);

    assertThat(relay(timedOut)).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class).havingCause()
        .isInstanceOf(AcquireTimeoutException.class)
        .withMessage("timed out after PT5S waiting for lock 'ledger'");
    assertThat(relay(named)).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class).havingCause().isSameAs(alreadyNamed);
    assertThat(relay(broken)).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class).havingCause().isSameAs(other);
    assertThat(failures).hasValue(3);
  }

  /**
   * Handing a grant on that throws fails the relay and gives the grant back: once the relay has
   * claimed the wait's end, nobody else would complete it. Regression: the failure was swallowed
   * by the wait's callback and the waiter stayed pending for good.
   */
  @Test
  void aGrantThatCannotBeHandedOnFailsTheRelayAndIsGivenBack() {
    CompletableFuture<Permit> wait = new CompletableFuture<>();
    IllegalStateException broken = new IllegalStateException("could not hand it on");
    CompletableFuture<Permit> relayed = RelayedGrant.relay(SITE, wait, granted -> {
      throw broken;
    }, () -> { });
    AsyncLock lock = AsyncLock.create();
    Permit permit = lock.acquire().join();

    wait.complete(permit);

    assertThat(relayed).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .withCause(broken);
    assertThat(lock.isLocked()).as("the grant, given back").isFalse();
  }

  @Test
  void aWaitAlreadyGrantedIsHandedOnAsItIs() {
    CompletableFuture<String> granted = CompletableFuture.completedFuture("permit");

    assertThat(RelayedGrant.relay(SITE, granted)).isSameAs(granted);
  }

  @Test
  void completeAsyncGoesThroughCompleteAndObtrudingIsRefused() {
    CompletableFuture<String> wait = new CompletableFuture<>();
    CompletableFuture<String> relayed = relay(wait);

    assertThatThrownBy(() -> relayed.obtrudeValue("forced"))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("complete");
    assertThatThrownBy(() -> relayed.obtrudeException(new IllegalStateException()))
        .isInstanceOf(UnsupportedOperationException.class);
    relayed.completeAsync(() -> "supplied", Runnable::run);

    assertThat(wait).isCancelled();
    assertThat(relayed).isCompletedWithValue("supplied");
  }

  @Test
  void aSupplierThatThrowsInCompleteAsyncFailsTheRelayAfterWithdrawingTheWait() {
    CompletableFuture<String> wait = new CompletableFuture<>();
    CompletableFuture<String> relayed = relay(wait);

    relayed.completeAsync(() -> {
      throw new IllegalStateException("supplier broke");
    }, Runnable::run);

    assertThat(wait).isCancelled();
    assertThat(relayed).isCompletedExceptionally();
  }

  /**
   * A grant on one thread races an outside complete, failure, cancel or timeout on another. The
   * relay must end with the grant exactly when the wait was granted, and map it exactly once.
   */
  @Test
  void aGrantRacingAnOutsideCompletionIsNeverDroppedNorDelivered() throws Exception {
    long seed = Long.getLong("baton.fuzz.seed", System.nanoTime());
    Random random = new Random(seed);
    String replay = "replay with -Dbaton.fuzz.seed=" + seed;
    CyclicBarrier start = new CyclicBarrier(2);
    for (int round = 0; round < 5_000; round++) {
      mapped.set(0);
      failures.set(0);
      CompletableFuture<String> wait = new CompletableFuture<>();
      CompletableFuture<String> relayed = relay(wait);
      int outside = random.nextInt(4);
      List<CompletableFuture<?>> racers = new ArrayList<>();
      racers.add(CompletableFuture.runAsync(() -> {
        await(start);
        wait.complete("permit " + outside);
      }, threads));
      racers.add(CompletableFuture.runAsync(() -> {
        await(start);
        switch (outside) {
          case 0 -> relayed.complete("outside");
          case 1 -> relayed.completeExceptionally(new IllegalStateException("gave up"));
          case 2 -> relayed.cancel(false);
          default -> relayed.orTimeout(0, TimeUnit.NANOSECONDS);
        }
      }, threads));
      CompletableFuture.allOf(racers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

      String settled = relayed.handle((value, failure) -> value).get(10, TimeUnit.SECONDS);
      boolean granted = !wait.isCancelled();
      assertThat(mapped.get()).as(replay).isEqualTo(granted ? 1 : 0);
      assertThat(failures.get()).as(replay).isEqualTo(granted ? 0 : 1);
      if (granted) {
        assertThat(settled).as(replay).isEqualTo("relayed permit " + outside);
      } else {
        assertThat(relayed.isCompletedExceptionally() || "outside".equals(settled)).as(replay)
            .isTrue();
      }
    }
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new CancellationException("the other racer never came: " + e);
    }
  }
}
