package dev.baton;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;

/**
 * The permits a Lincheck harness holds: filled by the callbacks of granted acquires, emptied by
 * the harness's release operations.
 *
 * <p>The pool alone is not linearizable: a grant is decided under the primitive's guard and
 * delivered just after, so a permit can be granted (the primitive counts it as held) and not yet
 * be here. {@link #take} therefore asks the primitive, not the pool, whether anything is held,
 * and spins while a permit is in transit. That spin always ends: the thread delivering the grant
 * is inside an operation and adds the permit before that operation returns. Lincheck's model
 * checker sees the loop and switches to the other threads.
 */
final class HeldPermits {

  /** Live permits of the primitive, in no particular order; a permit is never here twice. */
  private final AtomicReferenceArray<Permit> slots;

  /** A pool for a primitive that grants at most {@code maxHeld} permits at a time. */
  HeldPermits(int maxHeld) {
    slots = new AtomicReferenceArray<>(maxHeld);
  }

  /** Adds a permit the harness now holds. */
  void add(Permit permit) {
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) == null && slots.compareAndSet(i, null, permit)) {
        return;
      }
    }
    throw new IllegalStateException("more than " + slots.length() + " permits held at once");
  }

  /** The permits in the pool now; for checks made while nothing runs. */
  List<Permit> snapshot() {
    List<Permit> held = new ArrayList<>();
    for (int i = 0; i < slots.length(); i++) {
      Permit p = slots.get(i);
      if (p != null) {
        held.add(p);
      }
    }
    return held;
  }

  /**
   * Takes some held permit out of the pool, waiting while one is in transit.
   *
   * @param anyHeld reads from the primitive whether any permit is held
   * @return a live permit, or null when {@code anyHeld} said nothing is held
   */
  Permit take(BooleanSupplier anyHeld) {
    for (;;) {
      for (int i = 0; i < slots.length(); i++) {
        Permit p = slots.get(i);
        if (p != null && slots.compareAndSet(i, p, null)) {
          return p;
        }
      }
      if (!anyHeld.getAsBoolean()) {
        return null;
      }
      Thread.onSpinWait();
    }
  }

  /** Releases some held permit; false when the primitive holds none. */
  boolean releaseOne(BooleanSupplier anyHeld) {
    Permit p = take(anyHeld);
    if (p == null) {
      return false;
    }
    try {
      p.release();
    } catch (RuntimeException | Error e) {
      if (!p.isReleased()) {
        add(p); // still held: keep it, so later operations report results instead of hanging
      }
      throw e;
    }
    return true;
  }
}
