package dev.baton;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntPredicate;

/**
 * The futures a Lincheck harness's waiting operations returned, oldest first, for its cancel
 * operations.
 *
 * <p>An operation {@linkplain #reserve reserves} its slot before it calls the primitive and
 * {@linkplain Slot#publish publishes} the future after, so from the moment the primitive can have
 * queued the waiter, a cancel sees at least the reservation and waits for the future instead of
 * concluding "nothing to cancel" while a waiter is queued (which no sequential order explains).
 * {@link #cancelOldest} returns false only once every published future has refused the cancel,
 * which is final, and no further slot was reserved meanwhile.
 */
final class PendingWaits {

  private static final int CAPACITY = 64;

  private final AtomicInteger reserved = new AtomicInteger();
  private final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(CAPACITY);

  /** Reserves the next slot for a wait tagged {@code tag} (0 when untagged). */
  Slot reserve(int tag) {
    Slot slot = new Slot(tag);
    int i = reserved.getAndIncrement();
    slots.set(i, slot);
    return slot;
  }

  Slot reserve() {
    return reserve(0);
  }

  /** Cancels the oldest wait that still accepts a cancel; false when none does. */
  boolean cancelOldest() {
    return cancelOldest(tag -> true);
  }

  /** Cancels the oldest wait whose tag matches that still accepts a cancel. */
  boolean cancelOldest(IntPredicate tagMatches) {
    for (;;) {
      int n = reserved.get();
      boolean allPublished = true;
      for (int i = 0; i < n; i++) {
        Slot s = slots.get(i);
        if (s == null) {
          allPublished = false; // reserved, tag not yet visible
          break;
        }
        if (!tagMatches.test(s.tag)) {
          continue;
        }
        CompletableFuture<?> f = s.future;
        if (f == null) {
          allPublished = false; // its operation is inside the primitive right now
          break;
        }
        if (!f.isDone() && f.cancel(false)) {
          return true;
        }
      }
      if (allPublished && reserved.get() == n) {
        return false;
      }
      Thread.onSpinWait();
    }
  }

  /** The values of the published futures that completed normally; for checks made at rest. */
  List<Object> granted() {
    List<Object> granted = new ArrayList<>();
    for (int i = 0; i < reserved.get(); i++) {
      CompletableFuture<?> f = slots.get(i).future;
      if (f.isDone() && !f.isCompletedExceptionally()) {
        granted.add(f.join());
      }
    }
    return granted;
  }

  /** One waiting operation's entry. */
  static final class Slot {
    final int tag;
    private volatile CompletableFuture<?> future;

    private Slot(int tag) {
      this.tag = tag;
    }

    /** Publishes the future; call after its callbacks are registered. */
    void publish(CompletableFuture<?> f) {
      future = f;
    }
  }
}
