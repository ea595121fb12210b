package dev.baton.spring.observation;

import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The live {@link Hold}s of one lock or semaphore of a registry: a hold is added when its grant
 * is handed out and removed when its permit is released, so a snapshot may briefly miss a hold
 * being handed over. Empty unless the registry tracks holds ({@link HoldTrackingRequest}).
 */
public final class LiveHolds {

  /** {@link #lastNotedEnd} before any hold ended through {@link #endNoted}. */
  private static final long NEVER = Long.MIN_VALUE;

  /** Holds granted and not yet released: a hold records its own slot, so it costs no entry. */
  private final StripedSlots<Hold> live;
  /**
   * Whether the one watcher that lists the primitives with live holds (the stall view) has these
   * in its list; it alone reads and writes this, by the protocol it documents.
   */
  private volatile boolean listed;
  /**
   * When a hold last ended through {@link #endNoted} ({@link System#nanoTime()}), or
   * {@link #NEVER}: kept only for holds that end rarely, an event's promises to set it.
   */
  private volatile long lastNotedEnd = NEVER;

  /** No live holds, for a primitive held by one at a time, or a few. */
  public LiveHolds() {
    this(1);
  }

  private LiveHolds(int stripes) {
    live = new StripedSlots<>(stripes, false);
  }

  /**
   * No live holds, for a primitive many may hold at once, such as a semaphore's permits: its
   * holds are spread over stripes, so that threads taking and releasing them rarely meet.
   */
  static LiveHolds ofMany() {
    return new LiveHolds(StripedSlots.MANY);
  }

  /** How many holds are live. */
  public int count() {
    return live.size();
  }

  /** Whether {@code hold} is one of these live holds. */
  public boolean contains(Hold hold) {
    return live.contains(hold);
  }

  /** The longest-lasting live hold, if any. */
  public Optional<Hold> oldest() {
    return live.stream().min(Comparator.comparingLong(Hold::sinceNanos));
  }

  /**
   * The live holds as they are, in no order and without a copy: a read-only view that changes as
   * holds begin and end, for a walk that needs no order (cheaper than {@link #all()}).
   */
  public Collection<Hold> unordered() {
    return Collections.unmodifiableCollection(live);
  }

  /** A snapshot of the live holds, oldest first. */
  public List<Hold> all() {
    return live.stream().sorted(Comparator.comparingLong(Hold::sinceNanos)).toList();
  }

  /** Whether the watcher has these in its list of primitives with live holds. */
  public boolean listed() {
    return listed;
  }

  /** Records whether the watcher has these in its list of primitives with live holds. */
  public void listed(boolean listed) {
    this.listed = listed;
  }

  void add(Hold hold) {
    live.add(hold);
  }

  /** Ends {@code hold}; false if it had ended already. */
  boolean remove(Hold hold) {
    return live.remove(hold);
  }

  /**
   * Ends {@code hold} as {@link #remove} does, noting when, so that {@link #endedSince} can tell:
   * for holds that end rarely, as it costs a clock read.
   */
  boolean endNoted(Hold hold) {
    boolean ended = live.remove(hold);
    if (ended) {
      lastNotedEnd = System.nanoTime();
    }
    return ended;
  }

  /**
   * Whether a hold ended through {@link #endNoted} at or after {@code nanos}
   * ({@link System#nanoTime()}): whether the holds listed now may lack one that was live then.
   */
  public boolean endedSince(long nanos) {
    long ended = lastNotedEnd;
    return ended != NEVER && ended - nanos >= 0;
  }
}
