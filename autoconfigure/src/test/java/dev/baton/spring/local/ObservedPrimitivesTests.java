package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.TestProperties;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry's lock, semaphore and condition wrappers: holds tracked, nothing leaked. */
class ObservedPrimitivesTests {

  private final DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(
      TestProperties.defaults(), List.of(site -> outcome -> { }), true);

  @Test
  void holdsAreTrackedFromGrantToReleaseAndAPermitReleasesOnce() {
    AsyncSemaphore semaphore = registry.semaphore("payments", 2);
    LiveHolds holds = ((HoldTracking) semaphore).holds();

    Permit first = ((HoldTracking) semaphore).acquire(Duration.ofSeconds(1), "Payments.charge")
        .join();
    Permit second = semaphore.tryAcquire().orElseThrow();
    assertThat(holds.count()).isEqualTo(2);
    assertThat(holds.oldest()).get().extracting(Hold::takenBy).isEqualTo("Payments.charge");
    assertThat(holds.all()).hasSize(2);

    first.release();
    assertThatThrownBy(first::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("semaphore 'payments' was already released");
    first.close();
    assertThat(holds.count()).isEqualTo(1);
    assertThat(semaphore.availablePermits()).isEqualTo(1);
    assertThat(holds.oldest()).get().extracting(Hold::takenBy).isNull();

    second.close();
    second.close();
    assertThat(holds.count()).isZero();
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  /**
   * A callback that hands a registry lock to an acquire of its own and then blocks for it, as
   * core's LockTest does with a bare lock: the registry's future relays the lock's waiter, whose
   * grant waits on this thread behind the running callback. Regression: the relayed future's
   * {@code get} parked without completing it, and timed out.
   */
  @Test
  void aCallbackThatBlocksForARegistryLockGrantItDecidedItselfGetsIt() {
    AsyncLock lock = registry.lock("ledger");
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    AtomicReference<Object> blockedFor = new AtomicReference<>();
    a.thenAccept(p -> {
      CompletableFuture<Permit> mine = lock.acquire();
      p.release(); // decides mine's grant, queued behind this callback
      try {
        blockedFor.set(mine.get(2, TimeUnit.SECONDS));
      } catch (Exception e) {
        blockedFor.set(e);
      }
    });

    holder.release();

    assertThat(blockedFor.get()).as("what the callback's blocking wait returned")
        .isInstanceOf(Permit.class);
    ((Permit) blockedFor.get()).release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void withoutTrackingOrListenersPermitsAreThePrimitivesOwn() {
    DefaultPrimitiveRegistry untracked =
        new DefaultPrimitiveRegistry(TestProperties.defaults(), List.of(), false);
    AsyncSemaphore semaphore = untracked.semaphore("payments", 1);

    Permit permit = semaphore.acquire().join();

    assertThat(permit.getClass().getName()).startsWith("dev.baton.DefaultAsyncSemaphore");
    assertThat(((HoldTracking) semaphore).holds().count()).isZero();
    permit.release();
    assertThat(semaphore.availablePermits()).isEqualTo(1);
  }

  @Test
  void cancellingAPendingAcquireWithdrawsItAndTheLockStaysUsable() {
    AsyncLock lock = registry.lock("ledger");
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiting = lock.acquire();

    assertThat(waiting.cancel(true)).isTrue();
    assertThat(lock.waiters()).isZero();

    holder.release();
    assertThat(lock.isLocked()).isFalse();
    assertThat(((HoldTracking) lock).holds().count()).isZero();
  }

  @Test
  void aGrantArrivingAfterTheCallerGaveUpIsReleased() {
    AsyncLock lock = registry.lock("ledger");
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiting = lock.acquire();

    waiting.complete(null);
    holder.release();

    assertThat(lock.isLocked()).isFalse();
    assertThat(((HoldTracking) lock).holds().count()).isZero();
  }

  @Test
  void completingAPendingAcquireFromOutsideWithdrawsItAndItKeepsNoPlaceInTheQueue() {
    for (AsyncLock lock : List.of(registry.lock("ledger"), registry.lock("accounts", 7))) {
      Permit holder = lock.acquire().join();
      CompletableFuture<Permit> abandoned = lock.acquire();
      CompletableFuture<Permit> next = lock.acquire();

      assertThat(abandoned.complete(null)).isTrue();
      assertThat(lock.waiters()).as("the abandoned acquire left the queue").isEqualTo(1);

      holder.release();
      assertThat(next).as("the next waiter is granted directly").isCompletedWithValueMatching(
          permit -> permit != null && !permit.isReleased());
      next.join().release();
      assertThat(lock.isLocked()).isFalse();
    }
    assertThat(registry.activeKeys("accounts")).isZero();
  }

  @Test
  void completeAsyncOnAPendingAcquireWithdrawsItLikeComplete() {
    AsyncSemaphore semaphore = registry.semaphore("payments", 1);
    Permit holder = semaphore.acquire().join();
    CompletableFuture<Permit> abandoned = semaphore.acquire(Duration.ofMinutes(1));

    abandoned.completeAsync(() -> null, Runnable::run);

    assertThat(abandoned).isCompletedWithValue(null);
    assertThat(semaphore.waiters()).isZero();
    holder.release();
    assertThat(semaphore.availablePermits()).isEqualTo(1);
  }

  @Test
  void obtrudingAPendingAcquireIsRefused() {
    AsyncLock lock = registry.lock("ledger");
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiting = lock.acquire();

    assertThatThrownBy(() -> waiting.obtrudeValue(null))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> waiting.obtrudeException(new IllegalStateException()))
        .isInstanceOf(UnsupportedOperationException.class);

    holder.release();
    waiting.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aConditionAwaitHandsItsHoldOverAndReacquiresUnderTheSameHolder() {
    AsyncCondition condition = registry.condition("ready");
    LiveHolds holds = ((HoldTracking) condition.lock()).holds();
    Permit held = ((HoldTracking) condition.lock()).acquire(Duration.ofSeconds(1), "Worker.run")
        .join();

    CompletableFuture<Permit> awaiting = condition.await(held);
    assertThat(holds.count()).isZero();
    assertThat(held.isReleased()).isTrue();

    Permit signaller = condition.acquire().join();
    condition.signal();
    signaller.release();
    Permit again = awaiting.join();
    assertThat(holds.oldest()).get().extracting(Hold::takenBy).isEqualTo("Worker.run");

    again.release();
    assertThat(holds.count()).isZero();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  /**
   * A condition's await passes the lock on inside itself, on the waiter's thread: the next
   * holder's grant, run there, sees its own hold only, not the one being given up too.
   */
  @Test
  void theNextHolderGrantedInsideAConditionAwaitIsTheOnlyHoldListed() {
    AsyncCondition condition = registry.condition("ready");
    LiveHolds holds = ((HoldTracking) condition.lock()).holds();
    Permit held = condition.acquire().join();
    AtomicInteger listedAtTheGrant = new AtomicInteger(-1);
    CompletableFuture<Permit> next = condition.acquire();
    CompletableFuture<Void> granted = next.thenAccept(p -> listedAtTheGrant.set(holds.count()));

    CompletableFuture<Permit> awaiting = condition.await(held);

    assertThat(granted).isDone();
    assertThat(listedAtTheGrant).hasValue(1);
    condition.signal();
    next.join().release();
    awaiting.join().release();
    assertThat(holds.count()).isZero();
  }

  @Test
  void awaitUntilWhosePredicateAlreadyHoldsReturnsTheGivenPermitWhichStillReleases() {
    AsyncCondition condition = registry.condition("ready");
    LiveHolds holds = ((HoldTracking) condition.lock()).holds();
    Permit held = ((HoldTracking) condition.lock()).acquire(Duration.ofSeconds(1), "Worker.run")
        .join();

    Permit kept = condition.awaitUntil(() -> true, held).join();

    assertThat(kept).isSameAs(held);
    assertThat(holds.oldest()).get().extracting(Hold::takenBy).isEqualTo("Worker.run");
    held.release();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(holds.count()).isZero();
  }

  /** Inside a release's hand-offs the condition's own grant of the kept permit is deferred. */
  @Test
  void awaitUntilCalledFromAGrantCallbackAlsoReturnsTheGivenPermit() {
    AsyncCondition condition = registry.condition("ready");
    Permit first = condition.acquire().join();
    AtomicReference<Permit> given = new AtomicReference<>();
    CompletableFuture<Permit> kept = condition.acquire().thenCompose(held -> {
      given.set(held);
      return condition.awaitUntil(() -> true, held);
    });

    first.release();

    assertThat(kept.join()).isSameAs(given.get());
    given.get().release();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(((HoldTracking) condition.lock()).holds().count()).isZero();
  }

  /**
   * A release ends the hold before the lock passes on: the next holder's grant callback, run
   * inside the release, sees its own hold listed and not the one being released.
   */
  @Test
  void theNextHolderGrantedInsideAReleaseIsTheOnlyHoldListed() {
    for (HoldTracking primitive : List.of((HoldTracking) registry.lock("ledger"),
        (HoldTracking) registry.semaphore("single", 1))) {
      LiveHolds holds = primitive.holds();
      Permit held = primitive.acquire(Duration.ofMinutes(1), "First.call").join();
      AtomicReference<List<String>> listedAtTheGrant = new AtomicReference<>();
      CompletableFuture<Permit> next = primitive.acquire(Duration.ofMinutes(1), "Next.call");
      CompletableFuture<Void> granted = next.thenAccept(p -> listedAtTheGrant.set(
          holds.all().stream().map(Hold::takenBy).toList()));

      held.release();

      assertThat(granted).isDone();
      assertThat(listedAtTheGrant.get()).as("holds listed at the next grant")
          .containsExactly("Next.call");
      next.join().release();
      assertThat(holds.count()).isZero();
    }
  }

  @Test
  void awaitUntilWhosePredicateThrowsFailsAndEndsTheHoldOfTheReleasedLock() {
    AsyncCondition condition = registry.condition("ready");
    Permit held = condition.acquire().join();

    CompletableFuture<Permit> failed = condition.awaitUntil(() -> {
      throw new IllegalStateException("predicate broke");
    }, held);

    assertThat(failed).isCompletedExceptionally();
    assertThat(held.isReleased()).isTrue();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(((HoldTracking) condition.lock()).holds().count()).isZero();
  }

  @Test
  void aConditionRejectsAPermitItDoesNotHoldWithoutLosingTheHold() {
    AsyncCondition condition = registry.condition("ready");
    Permit held = condition.acquire().join();
    held.release();

    assertThatThrownBy(() -> condition.await(held)).isInstanceOf(IllegalArgumentException.class);
    Permit other = registry.lock("other").acquire().join();
    assertThatThrownBy(() -> condition.await(other)).isInstanceOf(IllegalArgumentException.class);
    assertThat(((HoldTracking) registry.lock("other")).holds().count()).isEqualTo(1);
  }

  /**
   * Many callers acquire with short timeouts, cancel at random and release at random moments,
   * on a semaphore and a per-key family; afterwards every permit is back and no hold is left.
   */
  @Test
  void randomCancelsTimeoutsAndReleasesLeakNothing() throws Exception {
    long seed = Long.getLong("baton.fuzz.seed", System.nanoTime());
    Random seeds = new Random(seed);
    AsyncSemaphore semaphore = registry.semaphore("fuzz", 3);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      long threadSeed = seeds.nextLong();
      done.add(CompletableFuture.runAsync(() -> churn(semaphore, new Random(threadSeed)), threads));
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    threads.shutdown();

    String replay = "replay with -Dbaton.fuzz.seed=" + seed;
    await().untilAsserted(() -> {
      assertThat(semaphore.availablePermits()).as(replay).isEqualTo(3);
      assertThat(semaphore.waiters()).as(replay).isZero();
      assertThat(((HoldTracking) semaphore).holds().count()).as(replay).isZero();
      assertThat(registry.activeKeys("fuzz-keys")).as(replay).isZero();
    });
  }

  private void churn(AsyncSemaphore semaphore, Random random) {
    List<CompletableFuture<Permit>> pending = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      CompletableFuture<Permit> wait = random.nextBoolean()
          ? semaphore.acquire(Duration.ofNanos(random.nextInt(200_000)))
          : registry.lock("fuzz-keys", random.nextInt(4)).acquire(Duration.ofMillis(1));
      boolean abandoned = switch (random.nextInt(3)) {
        case 0 -> wait.cancel(true);
        case 1 -> wait.complete(null);
        default -> false;
      };
      if (!abandoned) {
        pending.add(wait);
      }
      if (pending.size() > 8 || (!pending.isEmpty() && random.nextInt(4) == 0)) {
        CompletableFuture<Permit> oldest = pending.remove(0);
        releaseIfGranted(oldest);
      }
      if (random.nextInt(50) == 0) {
        Thread.yield();
      }
    }
    pending.forEach(ObservedPrimitivesTests::releaseIfGranted);
  }

  private static void releaseIfGranted(CompletableFuture<Permit> wait) {
    wait.handle((permit, failure) -> {
      if (permit != null) {
        permit.release();
      }
      return null;
    }).join();
  }
}
