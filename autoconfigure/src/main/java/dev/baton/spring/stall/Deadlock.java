package dev.baton.spring.stall;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Calls that can never proceed: a {@link #cycle} in which each waits for the next (for a lock or
 * a semaphore permit it holds, or for a call made from it that does) and the last for the first,
 * and the {@link #tail} of calls stuck behind them, of which at most {@value #TAIL_LISTED} are
 * listed and the rest counted ({@link #tailOmitted}), so that a report stays small however many
 * calls pile up. Confirmed once the cycle's holds and waits were all seen again after
 * {@code baton.stalls.confirm-after}; before that it may be a race between two moments of a
 * changing system. The tail plays no part in that: it can neither keep the cycle stuck nor free
 * it.
 *
 * @param confirmed whether the cycle's holds and waits have lasted at least the confirmation
 *     time
 * @param cycle the calls on the cycle, each waiting for the next, from the one that started
 *     first
 * @param tail calls waiting, directly or not, for one on the cycle: the first
 *     {@value #TAIL_LISTED} found
 * @param tailOmitted how many more calls of the tail there are, not listed
 */
public record Deadlock(boolean confirmed, List<StuckCall> cycle, List<StuckCall> tail,
    int tailOmitted) {

  /** The most calls of a tail listed; the others are only counted. */
  public static final int TAIL_LISTED = 20;

  public Deadlock {
    cycle = List.copyOf(cycle);
    tail = List.copyOf(tail);
  }

  /**
   * Whether no wait of the cycle has a timeout: such a deadlock lasts until the application is
   * restarted, or something outside Baton cancels a wait.
   */
  public boolean lastsUntilRestart() {
    return cycle.stream().flatMap(call -> call.waits().stream())
        .noneMatch(StuckCall.Waiting::timed);
  }

  /**
   * The cycle in one line, as in {@code "OrderService.place holds lock 'inventory' and waits
   * for lock 'ledger' -> LedgerService.post holds lock 'ledger' and waits for lock
   * 'inventory'"}.
   */
  public String describe() {
    return cycle.stream().map(StuckCall::describe).collect(Collectors.joining(" -> "));
  }
}
