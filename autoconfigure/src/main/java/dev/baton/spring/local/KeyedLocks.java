package dev.baton.spring.local;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.LockFamily;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A family of per-key locks, such as one lock per SKU, whose memory is bounded by the keys in
 * use rather than the keys ever seen.
 *
 * <p>Each key maps to a {@link Slot} holding a lock and the number of users (callers holding or
 * waiting for that lock). Users are counted and the slot dropped at zero inside
 * {@link ConcurrentHashMap#compute}, so a slot is removed exactly when its lock is free and
 * nobody waits: a later caller with the same key gets a fresh lock, which is equivalent. When the
 * keys' locks fence idle keys themselves (a shared backend, whose tokens are kept per key outside
 * this JVM and compared across instances), a permit carries its lock's own token; otherwise tokens
 * come from one counter for the whole family, so they keep increasing across evictions.
 * Every key's waits are reported at the family's one {@link WaitSite}. Keys often carry user
 * data: no message, log or meter of a family ever shows one; only {@link #locksByKey()} does.
 *
 * <p>The family's counts are kept as keys change, so a gauge or endpoint read costs the same
 * however many keys are active: held keys are counted when a key permit is made and released,
 * waiters when an acquire is left pending and when it settles, and tracked holds are indexed by
 * a grant number from one counter for the family, whose order is the order of the grants in this
 * JVM. The counts are this JVM's, also when the keys' locks are shared with other instances.
 */
final class KeyedLocks implements LockFamily {

  /** Keys in use; a slot's {@code users} is read and written only inside {@code compute}. */
  private final ConcurrentHashMap<Object, Slot> slots = new ConcurrentHashMap<>();
  /** The number of the last grant of any key's lock: the family's token unless the locks fence. */
  private final AtomicLong grants = new AtomicLong();
  /** Keys whose lock is held: one per key permit made and not yet released. */
  private final LongAdder heldKeys = new LongAdder();
  /** Acquires of any key left pending and not yet granted, failed or withdrawn. */
  private final LongAdder waiting = new LongAdder();
  /** The tracked holds of all keys by their permit's grant number, oldest grant first. */
  private final ConcurrentSkipListMap<Long, Hold> holdsByGrant = new ConcurrentSkipListMap<>();
  /** Where every key's waits are reported: the family's name, the only name its messages show. */
  private final WaitSite site;
  /** Makes the lock of a key, its waits reported at the family's one site. */
  private final Function<Object, ObservedLock> newLock;
  /** Whether a key's lock keeps increasing its tokens after the key was idle and made again. */
  private final boolean locksFenceIdleKeys;
  /** Whether the keys' locks keep their holds, so that the family keeps its oldest. */
  private final boolean trackHolds;

  /**
   * @param newLock makes the lock of a key
   * @param locksFenceIdleKeys whether the locks {@code newLock} makes for one key strictly increase
   *     their tokens across all of them (see
   *     {@link dev.baton.spring.PrimitiveSource#fencesIdleKeys()})
   * @param trackHolds whether the keys' locks keep their holds
   */
  KeyedLocks(String name, Function<Object, ObservedLock> newLock, boolean locksFenceIdleKeys,
      boolean trackHolds) {
    this.site = new WaitSite("lock", name);
    this.newLock = newLock;
    this.locksFenceIdleKeys = locksFenceIdleKeys;
    this.trackHolds = trackHolds;
  }

  /** The lock for {@code key}. */
  AsyncLock forKey(Object key) {
    return new KeyLock(Objects.requireNonNull(key, "key"));
  }

  @Override
  public int activeKeys() {
    return slots.size();
  }

  @Override
  public int heldKeys() {
    return heldKeys.intValue();
  }

  @Override
  public int waiters() {
    return waiting.intValue();
  }

  @Override
  public Optional<Hold> oldestHold() {
    return Optional.ofNullable(holdsByGrant.firstEntry()).map(Map.Entry::getValue);
  }

  @Override
  public Map<Object, AsyncLock> locksByKey() {
    Map<Object, AsyncLock> locks = new LinkedHashMap<>();
    slots.forEach((key, slot) -> locks.put(key, slot.lock));
    return locks;
  }

  /**
   * Fails the waits pending now on each key's lock, as the application shuts down
   * ({@link Closing}).
   */
  void failPending() {
    slots.values().forEach(slot -> slot.lock.failPending());
  }

  private final class Slot {
    final ObservedLock lock;
    int users;

    Slot(Object key) {
      this.lock = newLock.apply(key);
    }
  }

  private Slot retain(Object key) {
    return slots.compute(key, (k, slot) -> {
      Slot s = slot == null ? new Slot(k) : slot;
      s.users++;
      return s;
    });
  }

  private void dropUse(Object key) {
    slots.computeIfPresent(key, (k, slot) -> --slot.users == 0 ? null : slot);
  }

  /** A view of one key's lock; every acquire counts as a use until released or withdrawn. */
  private final class KeyLock implements AsyncLock, HoldTracking {
    private final Object key;

    KeyLock(Object key) {
      this.key = key;
    }

    @Override
    public CompletableFuture<Permit> acquire() {
      return track(retain(key).lock.acquire());
    }

    @Override
    public CompletableFuture<Permit> acquire(Duration timeout) {
      return acquire(timeout, null);
    }

    @Override
    public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
      Objects.requireNonNull(timeout, "timeout");
      return track(retain(key).lock.acquire(timeout, takenBy));
    }

    @Override
    public Optional<Permit> tryAcquire() {
      Optional<Permit> permit = retain(key).lock.tryAcquire();
      if (permit.isEmpty()) {
        dropUse(key);
      }
      return permit.map(KeyPermit::new);
    }

    @Override
    public boolean isLocked() {
      Slot slot = slots.get(key);
      return slot != null && slot.lock.isLocked();
    }

    @Override
    public int waiters() {
      Slot slot = slots.get(key);
      return slot == null ? 0 : slot.lock.waiters();
    }

    @Override
    public LiveHolds holds() {
      Slot slot = slots.get(key);
      return slot == null ? new LiveHolds() : slot.lock.holds();
    }

    @Override
    public String toString() {
      return "AsyncLock[key lock, " + (isLocked() ? "locked" : "unlocked") + ", waiters="
          + waiters() + "]";
    }

    /**
     * A failed wait drops its use; a granted one is handed out as a {@link KeyPermit}. A wait
     * left pending counts as one of the family's waiters until it settles either way.
     */
    private CompletableFuture<Permit> track(CompletableFuture<Permit> acquire) {
      boolean pending = !acquire.isDone();
      if (pending) {
        waiting.increment();
      }
      return RelayedGrant.relay(site, acquire, inner -> {
        settled(pending);
        return new KeyPermit(inner);
      }, () -> {
        settled(pending);
        dropUse(key);
      });
    }

    private void settled(boolean pending) {
      if (pending) {
        waiting.decrement();
      }
    }

    /**
     * A held key lock, counted among the family's held keys (and its hold indexed, when tracked)
     * until released, or until it reads as released without a release (a shared backend lost
     * its lease); either ends the use that kept the key's lock alive.
     */
    private final class KeyPermit implements Permit {
      private static final int HELD = 0;
      private static final int RELEASED = 1;
      private static final int LOST = 2;

      private final Permit inner;
      private final long grant = grants.incrementAndGet();
      private final long token;
      /** {@code HELD} until set once: by the first release or close, or on finding it lost. */
      private final AtomicInteger state = new AtomicInteger(HELD);

      KeyPermit(Permit inner) {
        this.inner = inner;
        this.token = locksFenceIdleKeys ? inner.token() : grant;
        heldKeys.increment();
        Hold hold = trackHolds ? Hold.of(inner) : null;
        if (hold != null) {
          holdsByGrant.put(grant, hold);
        }
      }

      /** Ends this permit's count and hold, {@code how}; false if it had ended already. */
      private boolean end(int how) {
        if (!state.compareAndSet(HELD, how)) {
          return false;
        }
        heldKeys.decrement();
        if (trackHolds) {
          holdsByGrant.remove(grant);
        }
        return true;
      }

      @Override
      public void release() {
        if (!end(RELEASED)) {
          if (state.get() == LOST) {
            inner.release(); // throws the key's lock's own refusal: the lease was lost
          }
          throw new IllegalStateException("permit " + token + " of per-key lock '" + site.name()
              + "' was already released: release each permit once, or use close() where"
              + " cleanup may run twice (the key is not shown: keys may be user data)");
        }
        try {
          inner.release(); // throws if the key's lock lost this permit (a shared backend's lease)
        } finally {
          dropUse(key);
        }
      }

      /** Released, or holding nothing any more because the key's lock lost it. */
      @Override
      public boolean isReleased() {
        if (state.get() == HELD && inner.isReleased() && end(LOST)) {
          dropUse(key);
        }
        return state.get() != HELD;
      }

      @Override
      public long token() {
        return token;
      }

      @Override
      public void close() {
        if (end(RELEASED)) {
          inner.close();
          dropUse(key);
        }
      }
    }
  }
}
