package dev.baton;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The guard of a lock's or a semaphore's slow paths (enqueue, hand-over, withdrawal): a
 * {@link ReentrantLock} whose {@link #lock()} spins for a moment before it parks.
 *
 * <p>Why spin: the guard is held for a few dozen instructions (poll a waiter, write the state)
 * and never across a callback, so a thread that finds it held almost always finds it free again
 * within a microsecond. {@link ReentrantLock#lock()} parks such a thread nearly at once, which
 * costs it several microseconds and costs the holder a wake-up in its {@code unlock()}. Where one
 * thread's enqueues meet another's hand-overs on a busy semaphore, as when one thread issues calls
 * that another completes, that happened every few dozen calls. The spin reads the lock's state and
 * tries it only when it looks free, leaving the holder's cache line alone meanwhile.
 *
 * <p>The spin is bounded ({@link #SPINS} waits of {@link Thread#onSpinWait()}, a few microseconds
 * at most), after which the thread parks as before, so a holder that lost its processor costs its
 * contenders no more than that; on a single processor, where the holder cannot run while others
 * spin, nobody spins. Acquisition order among contenders is not fair, and need not be: fairness
 * among waiters is the wait queue's, which the guard only protects.
 *
 * <p>Not for a lock that every operation takes, such as the queue's: two threads putting and
 * taking as fast as they can then spin against each other op by op, each acquisition moving the
 * lock's cache line, where parking the loser lets the winner run a batch (measured: the queue's
 * put/take pair fell from about 8,000 to 5,000 ops/ms with this guard).
 */
final class Guard extends ReentrantLock {

  /** Spin waits before parking: enough to cover a guard's hold, short of a park's cost. */
  private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 1 << 6 : 0;

  @Override
  public void lock() {
    if (tryLock()) {
      return;
    }
    for (int i = SPINS; i > 0; i--) {
      Thread.onSpinWait();
      if (!isLocked() && tryLock()) {
        return;
      }
    }
    super.lock();
  }
}
