package dev.baton.spring.stall;

import java.util.List;

/**
 * What the stall view sees at one check: the deadlocks (confirmed or still suspected), the stalls,
 * the re-entries, lock-order inversions and leaked permits seen since start-up, and its coverage:
 * how many waits it could place in the graph.
 *
 * @param level the stall view's level, {@code basic} or {@code strict}
 * @param deadlocks the calls that can never proceed, one entry per cycle
 * @param stalls the holds and waits past their thresholds now
 * @param reentries calls that waited for a lock they or their callers held, the first of each
 *     site and lock, the first 100
 * @param inversions lock orders that close a cycle, each reported once, the first 100
 * @param leakedPermits permits dropped unreleased, which stay held until restart, the first 100
 * @param pendingWaits the lock, semaphore and event waits pending now
 * @param waitsOfUnknownCalls of those, the waits whose call is unknown (made outside an annotated
 *     method and without {@code CurrentCall.open}, or on a thread context-propagation did not
 *     reach): they are never part of a deadlock
 */
public record StallReport(String level, List<Deadlock> deadlocks, List<Stall> stalls,
    List<Reentry> reentries, List<Inversion> inversions, List<LeakedPermit> leakedPermits,
    int pendingWaits, int waitsOfUnknownCalls) {

  public StallReport {
    deadlocks = List.copyOf(deadlocks);
    stalls = List.copyOf(stalls);
    reentries = List.copyOf(reentries);
    inversions = List.copyOf(inversions);
    leakedPermits = List.copyOf(leakedPermits);
  }
}
