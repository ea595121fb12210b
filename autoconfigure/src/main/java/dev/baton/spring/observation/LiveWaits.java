package dev.baton.spring.observation;

import java.util.Iterator;

/**
 * The pending waits of one stall view: a concurrent set of {@link PendingWait}s in which listing
 * or removing a wait allocates nothing, spread over stripes so that threads listing waits at once
 * rarely meet. Each wait is listed once in its life: once removed, it cannot be listed again. Its
 * walks are weakly consistent (they see each wait listed throughout them exactly once, and may or
 * may not see one listed or removed meanwhile); {@link #references()} copies the references
 * without reading any wait.
 *
 * <p>Removing a wait only ends it, a store to the wait alone: the thread that grants a wait is
 * seldom the one that listed it, and would otherwise have to take the stripe's lock and write its
 * slot, moving both between the processors' caches for every wait. From then on the wait is not
 * listed, but its slot keeps it until its stripe next makes room for a wait or
 * {@link #dropEnded()} runs, which the stall view's watchdog does at every tick. An ended wait
 * keeps nothing its waiter was given, but a lock's or semaphore's wait, granted, goes on as its
 * hold (and keeps its taker's permit while the hold lasts), listed among its primitive's holds
 * meanwhile. {@link #references()} may include such waits: a caller reading them skips the ended
 * ones. See {@link StripedSlots} and {@link LiveSlots} for the rest of the design.
 */
public final class LiveWaits extends StripedSlots<PendingWait> {

  /** An empty set, with as many stripes as threads may need. */
  public LiveWaits() {
    this(MANY);
  }

  /** An empty set of {@code stripes} stripes, a power of two. */
  LiveWaits(int stripes) {
    super(stripes, true);
  }

  /**
   * Ends {@code wait}, which no longer counts as listed; false if it was never listed, or had
   * ended already.
   */
  @Override
  public boolean remove(Object wait) {
    return wait instanceof PendingWait && wait instanceof Slotted listed
        && listed.slot != -1 && listed.end();
  }

  /** How many waits are listed: counted by a walk, exact when nothing changes. */
  @Override
  public int size() {
    int size = 0;
    for (Iterator<PendingWait> walk = iterator(); walk.hasNext(); walk.next()) {
      size++;
    }
    return size;
  }

  @Override
  public boolean isEmpty() {
    return !iterator().hasNext();
  }
}
