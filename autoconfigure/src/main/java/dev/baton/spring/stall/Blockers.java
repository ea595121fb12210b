package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * What holds a pending wait up, in words: its holders (for an event, the calls that are to set
 * it), for how long, and what each of them waits for in turn, as in {@code "held for 31 s by
 * LedgerService.post, which waits for lock 'inventory', held for 32 s by OrderService.place,
 * this call's caller"}. At most {@value #MAX_HOLDERS} holders are named per step and
 * {@value #MAX_CHAIN} steps followed; calls by site, primitives by kind and name, never keys.
 *
 * <p>Only this instance's calls are known. When the primitives are shared with other instances
 * (a shared backend, such as Redis), a wait with no holder here is said to be held by no call of
 * this instance, and a semaphore's holders here may not be all of them: the words say so rather
 * than let "nothing holds it" be read.
 */
final class Blockers {

  /** How far the explanation follows holders waiting for other holders. */
  private static final int MAX_CHAIN = 4;
  /** The most holders named at each step. */
  private static final int MAX_HOLDERS = 3;
  private static final String EVENT = "event";
  private static final String SEMAPHORE = "semaphore";

  /** The pending waits, read to find what a holder waits for in turn. */
  private final Collection<PendingWait> live;
  /** Whether other instances share the primitives, and hold or set them unseen. */
  private final boolean shared;

  Blockers(Collection<PendingWait> live, boolean shared) {
    this.live = live;
    this.shared = shared;
  }

  /**
   * What holds {@code wait} up; null if nothing does (it is being handed over), which on a shared
   * backend is told as no call of this instance holding it.
   */
  String of(PendingWait wait) {
    return explained(wait, wait.holders().all());
  }

  /**
   * What held {@code wait} up when it expired, at {@code expiredNanos} ({@link System#nanoTime()}):
   * as {@link #of}, leaving out its holds begun since. A timed-out wait is explained on the thread
   * that fails it, some time after its timeout withdrew it; meanwhile its holders may have let go
   * and the next waiter been granted it, which held nothing up. Null if every hold is such, and
   * when none is left but one ended since it expired (noted for an event's setters and a shared
   * backend's holds): that no running call was to set it, or that no call of this instance held
   * it, would then be false of the time it expired.
   */
  String ofTimedOut(PendingWait wait, long expiredNanos) {
    List<Hold> holds = wait.holders().all();
    List<Hold> before = holds.stream()
        .filter(hold -> hold.sinceNanos() - expiredNanos <= 0).toList();
    if (before.isEmpty() && (!holds.isEmpty() || wait.holders().endedSince(expiredNanos))) {
      return null; // all that held it up let go before it was explained
    }
    return explained(wait, before);
  }

  private String explained(PendingWait wait, List<Hold> holds) {
    StringBuilder out = new StringBuilder();
    explain(wait, holds, wait.call(), 0, Collections.newSetFromMap(new IdentityHashMap<>()),
        out);
    return out.isEmpty() ? null : out.toString();
  }

  private void explain(PendingWait wait, List<Hold> holds, Call waiter, int depth,
      Set<Call> seen, StringBuilder out) {
    boolean event = EVENT.equals(wait.site().primitive());
    if (holds.isEmpty()) {
      if (event) {
        out.append(shared ? "no running call of this instance is to set it"
            : "no running call is to set it");
      } else if (shared) {
        out.append("held by no call of this instance (calls of other instances are not seen)");
      }
    }
    int named = Math.min(holds.size(), MAX_HOLDERS);
    for (int i = 0; i < named; i++) {
      Hold hold = holds.get(i);
      String by = holderName(hold.call(), waiter);
      String lasted = Durations.read(hold.heldFor());
      if (event) {
        out.append(i == 0 ? "to be set by " : "; and by ").append(by).append(", running for ")
            .append(lasted);
      } else {
        out.append(i == 0 ? "held for " : "; and for ").append(lasted).append(" by ").append(by);
      }
      Call holder = hold.call();
      if (holder == null || depth + 1 >= MAX_CHAIN || !seen.add(holder)) {
        continue;
      }
      PendingWait next = waitOf(holder);
      if (next != null) {
        WaitSite site = next.site();
        out.append(", which waits for ").append(site.primitive()).append(" '")
            .append(site.name()).append("'");
        if (next.call() != holder) {
          out.append(" in ").append(next.call().site());
        }
        out.append(", ");
        explain(next, next.holders().all(), waiter, depth + 1, seen, out);
      }
    }
    if (holds.size() > named) {
      int more = holds.size() - named;
      out.append("; and ").append(more).append(more == 1 ? " more holder" : " more holders");
    }
    if (shared && !holds.isEmpty() && SEMAPHORE.equals(wait.site().primitive())) {
      out.append("; calls of other instances, not seen here, may hold permits too");
    }
  }

  private static String holderName(Call holder, Call waiter) {
    if (holder == null) {
      return "a call Baton does not know";
    }
    if (holder == waiter) {
      return holder.site() + ", this call";
    }
    if (waiter != null && waiter.isWithin(holder)) {
      return holder.site() + ", this call's caller";
    }
    return holder.site();
  }

  /** A live wait of {@code call} or of a call made from it, if any. */
  private PendingWait waitOf(Call call) {
    for (PendingWait wait : live) {
      if (wait.call() != null && wait.call().isWithin(call)) {
        return wait;
      }
    }
    return null;
  }
}
