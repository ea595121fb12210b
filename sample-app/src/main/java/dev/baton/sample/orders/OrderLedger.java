package dev.baton.sample.orders;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** What became of the orders: a count per {@link Outcome} and the latest few. Thread-safe. */
@Component
public class OrderLedger {

  private static final int RECENT = 10;

  /** Guarded by this. */
  private final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);

  /** Guarded by this; at most {@link #RECENT} entries, newest first. */
  private final Deque<Entry> recent = new ArrayDeque<>();

  /** Records that {@code order} ended with {@code outcome}. */
  public synchronized void record(Order order, Outcome outcome) {
    counts.merge(outcome, 1, Integer::sum);
    recent.addFirst(new Entry(order, outcome));
    if (recent.size() > RECENT) {
      recent.removeLast();
    }
  }

  /** How many orders have ended, in any way. */
  public synchronized int settled() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The counts per outcome and the latest orders, newest first. */
  public synchronized Summary summary() {
    return new Summary(settled(), Map.copyOf(counts), List.copyOf(recent));
  }

  /** One settled order. */
  public record Entry(Order order, Outcome outcome) {}

  /**
   * A snapshot of the ledger.
   *
   * @param settled orders that have ended
   * @param outcomes how many ended each way
   * @param recent the latest orders, newest first
   */
  public record Summary(int settled, Map<Outcome, Integer> outcomes, List<Entry> recent) {}
}
