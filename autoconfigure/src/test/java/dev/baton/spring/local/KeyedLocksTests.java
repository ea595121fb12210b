package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.TestProperties;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.ObservedGrants;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry's per-key lock families: what they reveal and what they count. */
class KeyedLocksTests {

  private final DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(
      TestProperties.defaults(), List.of(site -> outcome -> { }), true);
  private final ExecutorService threads = Executors.newFixedThreadPool(3);

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  /** A family whose keys' locks count how often their state is read. */
  private static KeyedLocks family(AtomicInteger keyLockReads) {
    WaitListeners nobody = new WaitListeners(List.of());
    return new KeyedLocks("accounts", key -> new ObservedLock(new ReadCountingLock(keyLockReads),
        ObservedGrants.of(new WaitSite("lock", "accounts"), nobody, true, null),
        new LocalPrimitives(), new Closing().site("lock", "accounts")), false, true);
  }

  @Test
  void releasingAKeyPermitTwiceNamesTheFamilyButNeverTheKey() {
    Permit permit = registry.lock("accounts", "alice@example.com").acquire().join();
    permit.release();

    assertThatThrownBy(permit::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock 'accounts'")
        .hasMessageNotContaining("alice");
  }

  /**
   * A key's lock is dropped once nobody holds or waits for it, whether its permit was released
   * or closed: close() is the release of try-with-resources.
   */
  @Test
  void closingAKeyPermitDropsItsKeyLikeReleasingIt() {
    try (Permit permit = registry.lock("accounts", "alice").acquire().join()) {
      assertThat(registry.activeKeys("accounts")).isEqualTo(1);
      assertThat(permit.isReleased()).isFalse();
    }
    assertThat(registry.activeKeys("accounts")).isZero();

    Permit taken = registry.lock("accounts", "bob").tryAcquire().orElseThrow();
    taken.close();
    taken.close();
    assertThat(registry.activeKeys("accounts")).isZero();
    assertThat(registry.lock("accounts", "bob").isLocked()).isFalse();
  }

  /** A tryAcquire that finds the key held leaves no use behind: the key goes with its holder. */
  @Test
  void aTryAcquireThatFindsTheKeyHeldKeepsNoUseOfIt() {
    Permit holder = registry.lock("accounts", "alice").acquire().join();

    assertThat(registry.lock("accounts", "alice").tryAcquire()).isEmpty();
    assertThat(registry.activeKeys("accounts")).isEqualTo(1);

    holder.release();
    assertThat(registry.activeKeys("accounts")).isZero();
  }

  /** A key's lock counts its own waiters, not those of the family's other keys. */
  @Test
  void aKeysLockCountsOnlyItsOwnWaiters() {
    Permit alice = registry.lock("accounts", "alice").acquire().join();
    Permit bob = registry.lock("accounts", "bob").acquire().join();
    CompletableFuture<Permit> waitsForAlice = registry.lock("accounts", "alice").acquire();

    assertThat(registry.lock("accounts", "alice").waiters()).isEqualTo(1);
    assertThat(registry.lock("accounts", "bob").waiters()).isZero();
    assertThat(registry.lock("accounts", "carol").waiters()).isZero();

    alice.release();
    waitsForAlice.join().release();
    bob.release();
    assertThat(registry.activeKeys("accounts")).isZero();
  }

  /**
   * "token() is a fencing token that strictly increases per primitive": a family's tokens keep
   * increasing across keys, and across a key's lock being dropped while idle and made anew; a
   * stale permit of the dropped lock never releases the new holder.
   */
  @Test
  void aFamilysFencingTokensStrictlyIncreaseAcrossKeysAndDroppedKeyLocks() {
    assertFencedAcrossKeysAndDroppedKeyLocks(registry);
    assertFencedAcrossKeysAndDroppedKeyLocks(
        new DefaultPrimitiveRegistry(TestProperties.defaults(), List.of(), false));
  }

  private static void assertFencedAcrossKeysAndDroppedKeyLocks(
      DefaultPrimitiveRegistry registry) {
    long last = 0;
    Permit stale = null;
    for (int round = 0; round < 3; round++) {
      for (String key : List.of("alice", "bob")) {
        assertThat(registry.activeKeys("accounts")).isZero();
        Permit permit = registry.lock("accounts", key).acquire().join();
        assertThat(permit.token()).as("round %d, key %s", round, key).isGreaterThan(last);
        last = permit.token();
        permit.release();
        if (stale == null) {
          stale = permit;
        }
      }
    }
    Permit holder = registry.lock("accounts", "alice").acquire().join();
    stale.close();
    assertThatThrownBy(stale::release).isInstanceOf(IllegalStateException.class);
    assertThat(registry.lock("accounts", "alice").isLocked()).isTrue();
    assertThat(registry.lock("accounts", "alice").acquire(Duration.ZERO))
        .isCompletedExceptionally();
    holder.release();
    assertThat(registry.activeKeys("accounts")).isZero();
  }

  @Test
  void familyCountsAreKeptAsKeysChangeSoReadingThemTouchesNoKeysLock() {
    AtomicInteger keyLockReads = new AtomicInteger();
    KeyedLocks family = family(keyLockReads);
    Permit first = ((HoldTracking) family.forKey(0)).acquire(Duration.ofSeconds(1), "First.call")
        .join();
    ((HoldTracking) family.forKey(1)).acquire(Duration.ofSeconds(1), "Second.call").join();
    for (int key = 2; key < 1_000; key++) {
      family.forKey(key).acquire().join();
    }
    for (int key = 0; key < 10; key++) {
      family.forKey(key).acquire();
    }
    keyLockReads.set(0);

    assertThat(family.activeKeys()).isEqualTo(1_000);
    assertThat(family.heldKeys()).isEqualTo(1_000);
    assertThat(family.waiters()).isEqualTo(10);
    assertThat(family.oldestHold()).map(Hold::takenBy).hasValue("First.call");
    assertThat(keyLockReads).as("reads of a key's lock state").hasValue(0);

    first.release();
    assertThat(family.heldKeys()).as("key 0 passed to its waiter").isEqualTo(1_000);
    assertThat(family.waiters()).isEqualTo(9);
    assertThat(family.oldestHold()).map(Hold::takenBy).hasValue("Second.call");
  }

  /**
   * Workers acquire (untimed, timed, at once or with short timeouts), try, cancel, complete from
   * outside and release at random on a few keys. Whenever they pause, the family's counts equal
   * what its keys' locks say; at the end everything is back to zero.
   */
  @Test
  void familyCountsStayExactUnderARandomMixOfAcquiresCancelsTimeoutsAndReleases()
      throws Exception {
    long seed = Long.getLong("baton.fuzz.seed", System.nanoTime());
    String replay = "replay with -Dbaton.fuzz.seed=" + seed;
    Random seeds = new Random(seed);
    KeyedLocks family = family(new AtomicInteger());
    List<Worker> workers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      workers.add(new Worker(family, new Random(seeds.nextLong())));
    }
    for (int round = 0; round < 30; round++) {
      CompletableFuture.allOf(workers.stream()
              .map(worker -> CompletableFuture.runAsync(worker::churn, threads))
              .toArray(CompletableFuture[]::new))
          .get(30, TimeUnit.SECONDS);
      workers.forEach(Worker::settleShortWaits);
      assertCountsMatchTheKeysLocks(family, replay + ", round " + round);
    }
    workers.forEach(Worker::giveEverythingBack);

    assertCountsMatchTheKeysLocks(family, replay);
    assertThat(family.activeKeys()).as(replay).isZero();
    assertThat(family.heldKeys()).as(replay).isZero();
    assertThat(family.waiters()).as(replay).isZero();
    assertThat(family.oldestHold()).as(replay).isEmpty();
  }

  private static void assertCountsMatchTheKeysLocks(KeyedLocks family, String replay) {
    List<AsyncLock> locks = List.copyOf(family.locksByKey().values());
    assertThat(family.activeKeys()).as(replay).isEqualTo(locks.size());
    assertThat(family.heldKeys()).as(replay)
        .isEqualTo((int) locks.stream().filter(AsyncLock::isLocked).count());
    assertThat(family.waiters()).as(replay)
        .isEqualTo(locks.stream().mapToInt(AsyncLock::waiters).sum());
    assertThat(family.oldestHold().isPresent()).as(replay).isEqualTo(family.heldKeys() > 0);
  }

  /** One caller's waits and permits; used by one thread at a time. */
  private static final class Worker {
    private final KeyedLocks family;
    private final Random random;
    private final List<CompletableFuture<Permit>> waits = new ArrayList<>();
    private final List<CompletableFuture<Permit>> shortWaits = new ArrayList<>();

    Worker(KeyedLocks family, Random random) {
      this.family = family;
      this.random = random;
    }

    void churn() {
      for (int i = 0; i < 200; i++) {
        AsyncLock lock = family.forKey(random.nextInt(6));
        switch (random.nextInt(8)) {
          case 0 -> waits.add(lock.acquire());
          case 1 -> waits.add(lock.acquire(Duration.ZERO));
          case 2 -> waits.add(lock.acquire(Duration.ofMinutes(1)));
          case 3 -> shortWaits.add(lock.acquire(Duration.ofMillis(1)));
          case 4 -> lock.tryAcquire().ifPresent(p -> waits.add(CompletableFuture.completedFuture(p)));
          case 5 -> pick().filter(wait -> !wait.cancel(true)).ifPresent(waits::add);
          case 6 -> pick().filter(wait -> !wait.complete(null)).ifPresent(waits::add);
          default -> pick().ifPresent(Worker::releaseIfGranted);
        }
      }
    }

    /** Waits for the short timed waits to be granted or time out; keeps the granted ones. */
    void settleShortWaits() {
      shortWaits.forEach(wait -> wait.handle((permit, failure) -> null).join());
      waits.addAll(shortWaits);
      shortWaits.clear();
    }

    void giveEverythingBack() {
      waits.forEach(wait -> wait.cancel(true));
      waits.forEach(Worker::releaseIfGranted);
      waits.clear();
    }

    private Optional<CompletableFuture<Permit>> pick() {
      return waits.isEmpty() ? Optional.empty()
          : Optional.of(waits.remove(random.nextInt(waits.size())));
    }

    private static void releaseIfGranted(CompletableFuture<Permit> wait) {
      if (wait.isDone() && !wait.isCompletedExceptionally() && wait.join() != null) {
        wait.join().close();
      } else {
        wait.cancel(true);
        wait.thenAccept(permit -> {
          if (permit != null) {
            permit.close();
          }
        });
      }
    }
  }

  /** A lock that counts how often its state is read. */
  private record ReadCountingLock(AsyncLock lock, AtomicInteger reads) implements AsyncLock {

    ReadCountingLock(AtomicInteger reads) {
      this(AsyncLock.create(), reads);
    }

    @Override
    public CompletableFuture<Permit> acquire() {
      return lock.acquire();
    }

    @Override
    public CompletableFuture<Permit> acquire(Duration timeout) {
      return lock.acquire(timeout);
    }

    @Override
    public Optional<Permit> tryAcquire() {
      return lock.tryAcquire();
    }

    @Override
    public boolean isLocked() {
      reads.incrementAndGet();
      return lock.isLocked();
    }

    @Override
    public int waiters() {
      reads.incrementAndGet();
      return lock.waiters();
    }
  }
}
