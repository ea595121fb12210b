package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.PendingWait;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The calls of a {@link WaitForGraph}'s leaf waits, told apart: a leaf call is one with a pending
 * wait that has no node (made from no call, holding nothing the waits are for, the caller of no
 * waiting call), so nothing waits for it, and it is stuck when all its waits are. Waits are known
 * by their index in the graph's flat arrays, in the order the live waits were read.
 *
 * <p>Nearly every leaf call has one pending wait. Those with more are found from the identity
 * hashes read with the waits ({@link HashBits}): a wait whose hash bit is set by no other leaf
 * wait is its call's only one; the others (calls with several waits, and calls sharing a bit
 * with another) are grouped exactly, by call, in a map. So a leaf wait costs two bits, and a map
 * entry only when its bit is shared.
 */
final class LeafCalls {

  private final PendingWait[] waits;
  private final Call[] calls;
  private final int[] hashes;
  /** The hash bits of leaf waits seen more than once: their calls are in {@link #shared}. */
  private final HashBits twice;
  private final Map<Call, Shared> shared = new IdentityHashMap<>();

  /**
   * @param calls each wait's call
   * @param hashes each wait's call's identity hash
   * @param size how many waits the arrays hold
   * @param leaf whether the wait at an index is a leaf wait
   * @param proceeds whether the leaf wait at an index can proceed
   */
  LeafCalls(PendingWait[] waits, Call[] calls, int[] hashes, int size, IntPredicate leaf,
      IntPredicate proceeds) {
    this.waits = waits;
    this.calls = calls;
    this.hashes = hashes;
    HashBits seen = new HashBits(size, HashBits.DENSE);
    twice = new HashBits(size, HashBits.DENSE);
    for (int i = 0; i < size; i++) {
      if (leaf.test(i) && !seen.add(hashes[i])) {
        twice.add(hashes[i]);
      }
    }
    for (int i = 0; i < size; i++) {
      if (leaf.test(i) && twice.mayContain(hashes[i])) {
        Shared call = shared.get(calls[i]);
        if (call == null) {
          call = new Shared(i);
          shared.put(calls[i], call);
        }
        call.waits.add(waits[i]);
        call.proceeds |= proceeds.test(i);
      }
    }
  }

  /**
   * Whether the stuck leaf wait at {@code index} is the first wait of a call that is stuck: all
   * its waits are.
   */
  boolean startsStuckCall(int index) {
    if (!twice.mayContain(hashes[index])) {
      return true;
    }
    Shared call = shared.get(calls[index]);
    return !call.proceeds && call.first == index;
  }

  /** The pending waits of the call of the leaf wait at {@code index}, in the order read. */
  List<PendingWait> waitsOfCall(int index) {
    if (!twice.mayContain(hashes[index])) {
      return List.of(waits[index]);
    }
    return shared.get(calls[index]).waits;
  }

  /** A leaf call whose hash bit another leaf wait shares. */
  private static final class Shared {
    /** The index of its first wait. */
    final int first;
    final List<PendingWait> waits = new ArrayList<>(2);
    /** Whether one of its waits can proceed. */
    boolean proceeds;

    Shared(int first) {
      this.first = first;
    }
  }
}
