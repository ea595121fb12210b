package dev.baton.spring.stall;

import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitOutcome;
import dev.baton.spring.observation.WaitSite;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The waits on a registry's primitives that have started and not yet ended, per
 * {@link WaitSite}, of every kind (locks and semaphores, and also events, conditions, queues and
 * barriers, which the {@link StallView} does not see), so that the age of the oldest one at a site
 * can be read: a timer records a wait only when it ends, and a wait that never ends is the one to
 * see. A per-key lock family is one site; keys are never kept.
 *
 * <p>On the waiting path, as {@link WaitListener} asks: a clock read, one small object and a
 * concurrent-set insertion per wait, a removal when it ends; nothing blocks. Reading a site walks
 * its pending waits, which is for gauges read at each scrape.
 */
final class OldestWaits implements WaitListener {

  /** Per site, the waits started and not ended; a site's set is never removed. */
  private final ConcurrentMap<WaitSite, Set<Started>> bySite = new ConcurrentHashMap<>();

  /** A wait granted at once was never pending: it is never the oldest one. */
  @Override
  public boolean followsWaitsGrantedAtOnce() {
    return false;
  }

  @Override
  public Wait started(WaitSite site) {
    Set<Started> pending = bySite.get(site);
    if (pending == null) { // get first: computeIfAbsent with a lambda on this allocates every call
      pending = bySite.computeIfAbsent(site, s -> ConcurrentHashMap.newKeySet());
    }
    Started wait = new Started(pending);
    pending.add(wait);
    return wait;
  }

  /**
   * How long, in nanoseconds, the oldest wait pending at {@code site} has waited so far; 0 when
   * none is.
   */
  long oldestNanos(WaitSite site) {
    Set<Started> pending = bySite.get(site);
    if (pending == null) {
      return 0;
    }
    long now = System.nanoTime();
    long oldest = 0;
    for (Started wait : pending) {
      oldest = Math.max(oldest, now - wait.sinceNanos);
    }
    return oldest;
  }

  /** One wait, in its site's set from its start until it ends. Distinct by identity. */
  private static final class Started implements Wait {
    /** {@link System#nanoTime()} at the start. */
    final long sinceNanos = System.nanoTime();
    /** The set of its site, which holds it while it waits. */
    private final Set<Started> pending;

    Started(Set<Started> pending) {
      this.pending = pending;
    }

    @Override
    public void ended(WaitOutcome outcome) {
      pending.remove(this);
    }
  }
}
