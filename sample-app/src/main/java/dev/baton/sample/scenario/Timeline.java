package dev.baton.sample.scenario;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered record of one scenario run: who did what, on which primitive, and when.
 *
 * <p>Entries are kept in the order {@link #record} was called, and their times never decrease
 * along that order (the clock is read under the same lock that appends). Scenarios record an
 * action on the thread that performs it, before any release or signal that could let another
 * participant act, so the order of entries is the order in which the primitives moved.
 * Thread-safe.
 */
public final class Timeline {

  private final long startNanos = System.nanoTime();

  /** Guarded by itself; appended only, in time order. */
  private final List<Entry> entries = new ArrayList<>();

  /** Records that {@code actor} did {@code action} on the primitive {@code on}. */
  public void record(String actor, Action action, String on) {
    record(actor, action, on, null);
  }

  /** Records that {@code actor} did {@code action} on the queue {@code on} with {@code item}. */
  public void record(String actor, Action action, String on, Integer item) {
    append(actor, action, on, item, null);
  }

  /**
   * Records that {@code actor} gave up waiting for {@code on}, and the timeout's {@code message}:
   * with Baton's stall view on, who held the wait up.
   */
  public void recordTimeout(String actor, String on, String message) {
    append(actor, Action.TIMED_OUT, on, null, message);
  }

  private void append(String actor, Action action, String on, Integer item, String message) {
    synchronized (entries) {
      entries.add(new Entry(elapsedMillis(), actor, action, on, item, message));
    }
  }

  /** Milliseconds since this timeline was created. */
  public long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** A snapshot of the entries so far, in order. */
  public List<Entry> entries() {
    synchronized (entries) {
      return List.copyOf(entries);
    }
  }

  /**
   * One step of a timeline.
   *
   * @param atMillis milliseconds since the run started
   * @param actor who acted, for example {@code worker-2}
   * @param action what it did
   * @param on the registry name of the primitive it acted on
   * @param item the queue item produced or consumed; absent for other actions
   * @param message why a wait timed out, the exception's message; absent for other actions
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(
      long atMillis, String actor, Action action, String on, Integer item, String message) {}
}
