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

  /** {@link #lastEnd} before any hold ended, or when ends are not noted. */
  private static final long NEVER = Long.MIN_VALUE;

  /** Holds granted and not yet released: a hold records its own slot, so it costs no entry. */
  private final StripedSlots<Hold> live;
  /** Whether an end notes its time in {@link #lastEnd}, for {@link #endedSince}. */
  private final boolean notesEnds;
  /**
   * Whether the one watcher that lists the primitives with live holds (the stall view) has these
   * in its list; it alone reads and writes this, by the protocol it documents.
   */
  private volatile boolean listed;
  /** When a hold last ended ({@link System#nanoTime()}) if ends are noted; else {@link #NEVER}. */
  private volatile long lastEnd = NEVER;

  /** No live holds, for a primitive held by one at a time, or a few. */
  public LiveHolds() {
    this(1, false);
  }

  private LiveHolds(int stripes, boolean notesEnds) {
    this.live = new StripedSlots<>(stripes, false);
    this.notesEnds = notesEnds;
  }

  /**
   * No live holds.
   *
   * @param many for a primitive many may hold at once, such as a semaphore's permits: its holds
   *     are spread over stripes, so that threads taking and releasing them rarely meet
   * @param notesEnds whether each end notes its time ({@link #endedSince}), a clock read: for
   *     holds that end rarely (an event's promises to set it) or slowly (a shared backend's)
   */
  static LiveHolds of(boolean many, boolean notesEnds) {
    return new LiveHolds(many ? StripedSlots.MANY : 1, notesEnds);
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
    boolean ended = live.remove(hold);
    if (ended && notesEnds) {
      lastEnd = System.nanoTime();
    }
    return ended;
  }

  /**
   * Whether a hold ended at or after {@code nanos} ({@link System#nanoTime()}), if ends are noted
   * ({@link #of}); else false: whether the holds listed now may lack one that was live then.
   */
  public boolean endedSince(long nanos) {
    long ended = lastEnd;
    return ended != NEVER && ended - nanos >= 0;
  }
}
