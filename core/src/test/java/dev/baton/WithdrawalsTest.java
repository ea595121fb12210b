package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Withdrawals#failPending}: the waits pending on a lock, a semaphore or an event fail at
 * once with the failure given, their places are given up, holders keep what they hold, and a
 * grant that races with it stands.
 */
class WithdrawalsTest {

  private final AtomicInteger made = new AtomicInteger();
  /** A new failure per wait, numbered, so that no two waits share one. */
  private final Supplier<Throwable> shuttingDown =
      () -> new IllegalStateException("shutting down #" + made.incrementAndGet());

  @Test
  void aLocksPendingWaitsFailAndItsHolderKeepsItUntilItReleases() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> untimed = lock.acquire();
    CompletableFuture<Permit> timed = lock.acquire(Duration.ofHours(1));

    assertThat(Withdrawals.failPending(lock, shuttingDown)).isEqualTo(2);

    assertThat(List.of(failureOf(untimed), failureOf(timed)))
        .containsExactly("shutting down #1", "shutting down #2");
    assertThat(lock.waiters()).isZero();
    assertThat(lock.isLocked()).as("held by its holder").isTrue();
    holder.release();
    assertThat(lock.isLocked()).as("handed to nobody").isFalse();
    assertThat(lock.acquire()).isCompleted();
  }

  @Test
  void aSemaphoresPendingWaitsFailAndItsPermitsAllComeBack() {
    AsyncSemaphore semaphore = AsyncSemaphore.create(2);
    List<Permit> held = List.of(semaphore.acquire().join(), semaphore.acquire().join());
    List<CompletableFuture<Permit>> waits = List.of(semaphore.acquire(),
        semaphore.acquire(Duration.ofHours(1)), semaphore.acquire());

    assertThat(Withdrawals.failPending(semaphore, shuttingDown)).isEqualTo(3);

    assertThat(waits).allSatisfy(wait -> assertThat(failureOf(wait)).startsWith("shutting down"));
    assertThat(semaphore.waiters()).isZero();
    held.forEach(Permit::release);
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void anEventsPendingWaitsFailAndALaterSetWakesOnlyNewOnes() {
    AsyncEvent event = AsyncEvent.create();
    List<CompletableFuture<Void>> waits = List.of(event.await(), event.await(Duration.ofHours(1)));

    assertThat(Withdrawals.failPending(event, shuttingDown)).isEqualTo(2);

    assertThat(waits).allSatisfy(wait -> assertThat(failureOf(wait)).startsWith("shutting down"));
    assertThat(event.waiters()).isZero();
    CompletableFuture<Void> later = event.await();
    event.set();
    assertThat(later).isCompleted();
  }

  @Test
  void aConditionsLockIsBatons() {
    AsyncCondition condition = AsyncCondition.create();
    Permit holder = condition.lock().acquire().join();
    CompletableFuture<Permit> waiting = condition.lock().acquire();

    assertThat(Withdrawals.failPending(condition.lock(), shuttingDown)).isOne();

    assertThat(failureOf(waiting)).isEqualTo("shutting down #1");
    holder.release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  /**
   * A condition's wait that a signal woke waits on its lock to re-acquire it: it fails with the
   * failure too, and holds no permit.
   */
  @Test
  void aConditionWaitReacquiringItsLockFailsAndHoldsNothing() {
    AsyncCondition condition = AsyncCondition.create();
    CompletableFuture<Permit> waiting = condition.await(condition.acquire().join());
    Permit signaller = condition.acquire().join();
    condition.signal();

    assertThat(Withdrawals.failPending(condition.lock(), shuttingDown)).isOne();

    assertThat(failureOf(waiting)).isEqualTo("shutting down #1");
    assertThat(condition.waiters()).isZero();
    signaller.release();
    assertThat(condition.lock().isLocked()).as("handed to nobody").isFalse();
  }

  @Test
  void nothingPendingFailsNothing() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();

    assertThat(Withdrawals.failPending(lock, shuttingDown)).isZero();

    assertThat(made).hasValue(0);
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aPrimitiveNotMadeByBatonOrANullFailureIsRefusedNamingWhatWasWrong() {
    AsyncSemaphore own = new LockAsSemaphore(AsyncLock.create());

    assertThatThrownBy(() -> Withdrawals.failPending(own, shuttingDown))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a primitive made by Baton's factories");
    AsyncLock lock = AsyncLock.create();
    lock.acquire();
    CompletableFuture<Permit> waiting = lock.acquire();
    assertThatThrownBy(() -> Withdrawals.failPending(lock, () -> null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("failure supplied null");
    assertThat(waiting).as("still waiting").isNotDone();
  }

  /**
   * The holder's release races {@code failPending}: each wait ends either failed or granted, at
   * most one is granted (the first still in line as the release hands the lock on), and once it
   * releases, the lock is free and nobody waits. Nothing is stranded or doubly held.
   */
  @Test
  void aReleaseRacingTheFailureHandsTheLockToAtMostOneWaitAndStrandsNobody() throws Exception {
    Fuzz.once("release/failPending race", seed -> Fuzz.race("fail-pending", seed,
        2_000 * Fuzz.STRESS,
        (index, random) -> {
          AsyncLock lock = AsyncLock.create();
          Permit holder = lock.acquire().join();
          List<CompletableFuture<Permit>> waits = new ArrayList<>();
          for (int i = 1 + random.nextInt(3); i > 0; i--) {
            waits.add(random.nextBoolean() ? lock.acquire() : lock.acquire(Duration.ofHours(1)));
          }
          return new Race(lock, holder, waits);
        },
        race -> race.holder.release(),
        race -> Withdrawals.failPending(race.lock, shuttingDown),
        race -> {
          releaseTheOneGranted(race.waits);
          assertThat(race.lock.isLocked()).isFalse();
          assertThat(race.lock.waiters()).isZero();
        }));
  }

  /**
   * A holder's release races {@code failPending} on a semaphore: each wait ends failed or
   * granted, at most the one permit released is granted, and once granted permits are released
   * every permit is back and nobody waits.
   */
  @Test
  void aSemaphoreReleaseRacingTheFailureGrantsAtMostItsPermitAndStrandsNobody() throws Exception {
    Fuzz.once("semaphore release/failPending race", seed -> Fuzz.race("fail-pending", seed,
        2_000 * Fuzz.STRESS,
        (index, random) -> {
          AsyncSemaphore semaphore = AsyncSemaphore.create(2);
          Permit other = semaphore.acquire().join();
          Permit holder = semaphore.acquire().join();
          List<CompletableFuture<Permit>> waits = new ArrayList<>();
          for (int i = 1 + random.nextInt(3); i > 0; i--) {
            waits.add(random.nextBoolean() ? semaphore.acquire()
                : semaphore.acquire(Duration.ofHours(1)));
          }
          return new SemaphoreRace(semaphore, other, holder, waits);
        },
        race -> race.holder.release(),
        race -> Withdrawals.failPending(race.semaphore, shuttingDown),
        race -> {
          releaseTheOneGranted(race.waits);
          race.other.release();
          assertThat(race.semaphore.availablePermits()).isEqualTo(2);
          assertThat(race.semaphore.waiters()).isZero();
        }));
  }

  /** One round of the semaphore race: a permit held throughout, the racing one, the waits. */
  private record SemaphoreRace(AsyncSemaphore semaphore, Permit other, Permit holder,
      List<CompletableFuture<Permit>> waits) {}

  /** One round of the race: a lock, its holder and the waits behind it. */
  private record Race(AsyncLock lock, Permit holder, List<CompletableFuture<Permit>> waits) {}

  /**
   * Checks that every wait of a race has ended, and that at most one was granted (the release
   * raced hands on one permit), then releases that one.
   */
  private static void releaseTheOneGranted(List<CompletableFuture<Permit>> waits) {
    assertThat(waits).allMatch(CompletableFuture::isDone);
    List<Permit> granted = waits.stream().filter(wait -> !wait.isCompletedExceptionally())
        .map(CompletableFuture::join).toList();
    assertThat(granted).hasSizeLessThanOrEqualTo(1);
    granted.forEach(Permit::release);
  }

  /** The message of the failure {@code wait} ended with. */
  private static String failureOf(CompletableFuture<?> wait) {
    Throwable failure = catchThrowable(wait::join);
    assertThat(failure).isInstanceOf(CompletionException.class);
    return failure.getCause().getMessage();
  }

  /**
   * A wait whose grant is decided while {@code failPending} runs (here by the holder's release,
   * made as the supplier makes the failure for it) keeps its grant and is not counted as failed.
   */
  @Test
  void aWaitGrantedWhileItsFailureIsMadeKeepsItsGrantAndIsNotCounted() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiting = lock.acquire();

    int failed = Withdrawals.failPending(lock, () -> {
      holder.release(); // hands the lock to the wait just listed
      return shuttingDown.get();
    });

    assertThat(failed).as("waits failed").isZero();
    assertThat(waiting).as("granted").isCompleted();
    assertThat(lock.isLocked()).isTrue();
    waiting.join().release();
    assertThat(lock.isLocked()).isFalse();
  }
}
