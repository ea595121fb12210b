package dev.baton.spring.stall;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Calls that can never proceed: a {@link #cycle} in which each waits for the next (for a lock or
 * a semaphore permit it holds, or for a call made from it that does) and the last for the first,
 * and the {@link #tail} of calls stuck behind them. Confirmed once the same holds and the same
 * waits were seen again after {@code baton.stalls.confirm-after}; before that it may be a race
 * between two moments of a changing system.
 *
 * @param confirmed whether the same holds and waits have lasted at least the confirmation time
 * @param cycle the calls on the cycle, each waiting for the next
 * @param tail calls waiting, directly or not, for one on the cycle
 */
public record Deadlock(boolean confirmed, List<StuckCall> cycle, List<StuckCall> tail) {

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
