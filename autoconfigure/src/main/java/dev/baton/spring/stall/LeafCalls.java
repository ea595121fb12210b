package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CallBits;
import dev.baton.spring.observation.PendingWait;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The calls of a {@link WaitForGraph}'s leaf waits, told apart: a leaf call is one with a pending
 * wait that has no node (made from no call, holding nothing the waits are for, the caller of no
 * waiting call), so nothing waits for it, and it is stuck when all its waits are. Waits are known
 * by their index in the graph's flat arrays, in the order the live waits were read.
 *
 * <p>Nearly every leaf call has one pending wait. Those with more are found from the calls' hashes
 * read with the waits ({@link HashBits}, {@link CallBits}): a wait whose hash bit is set by no
 * other leaf wait is its call's only one; the others (calls with several waits, and calls sharing a
 * bit with another) are grouped exactly, by call, in a table of their own. So a leaf wait costs two
 * bits, and a slot only when its bit is shared. The table is found by the hashes already read and
 * compares calls by reference, so that grouping reads no call; with 100,000 waits, grouping through
 * an {@code IdentityHashMap} (a read of a call's header per lookup, an entry and a list per call)
 * took about a seventh of a full check's CPU samples.
 */
final class LeafCalls {

  /** The fewest entries the table has room for. */
  private static final int MIN_TABLE = 16;

  private final PendingWait[] waits;
  private final Call[] calls;
  private final int[] hashes;
  /** The hash bits of leaf waits seen more than once: their calls are in {@link #table}. */
  private final HashBits twice;
  /**
   * The leaf calls whose hash bit another leaf wait shares, by open addressing on their hash, at
   * most half full; null where none is. What is known of the call at a slot is at the same slot of
   * the arrays below, so that an entry is no object.
   */
  private Call[] table = new Call[MIN_TABLE];
  /** The index of the first wait of the call at each slot. */
  private int[] firstAt = new int[MIN_TABLE];
  /** Whether a wait of the call at each slot can proceed. */
  private boolean[] proceedsAt = new boolean[MIN_TABLE];
  /** The waits after the first of the call at each slot, in the order read; null for none. */
  private List<?>[] laterAt = new List<?>[MIN_TABLE];
  private int entries;

  /**
   * @param calls each wait's call
   * @param hashes each wait's call's hash, as its wait keeps it
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
        int slot = slotOrAdd(i);
        if (firstAt[slot] != i) {
          laterOf(slot).add(waits[i]);
        }
        proceedsAt[slot] |= proceeds.test(i);
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
    int slot = slotOf(index);
    return !proceedsAt[slot] && firstAt[slot] == index;
  }

  /** The pending waits of the call of the leaf wait at {@code index}, in the order read. */
  List<PendingWait> waitsOfCall(int index) {
    if (!twice.mayContain(hashes[index])) {
      return List.of(waits[index]);
    }
    int slot = slotOf(index);
    List<PendingWait> all = new ArrayList<>();
    all.add(waits[firstAt[slot]]);
    if (laterAt[slot] != null) {
      all.addAll(laterOf(slot));
    }
    return all;
  }

  /** The slot of the call of the wait at {@code index}, which gets one if it had none. */
  private int slotOrAdd(int index) {
    int slot = slotOf(index);
    if (table[slot] == null) {
      if (++entries > table.length >>> 1) {
        grow();
        slot = slotOf(index);
      }
      table[slot] = calls[index];
      firstAt[slot] = index;
    }
    return slot;
  }

  @SuppressWarnings("unchecked")
  private List<PendingWait> laterOf(int slot) {
    if (laterAt[slot] == null) {
      laterAt[slot] = new ArrayList<PendingWait>(1);
    }
    return (List<PendingWait>) laterAt[slot];
  }

  /**
   * The slot of the call of the wait at {@code index} in {@link #table}: its own, or the empty
   * one where it would go.
   */
  private int slotOf(int index) {
    Call call = calls[index];
    int mask = table.length - 1;
    int slot = spread(hashes[index]) & mask;
    for (Call at; (at = table[slot]) != null && at != call; ) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private void grow() {
    Call[] oldCalls = table;
    int[] oldFirst = firstAt;
    boolean[] oldProceeds = proceedsAt;
    List<?>[] oldLater = laterAt;
    int length = oldCalls.length * 2;
    table = new Call[length];
    firstAt = new int[length];
    proceedsAt = new boolean[length];
    laterAt = new List<?>[length];
    for (int i = 0; i < oldCalls.length; i++) {
      if (oldCalls[i] != null) {
        int slot = slotOf(oldFirst[i]);
        table[slot] = oldCalls[i];
        firstAt[slot] = oldFirst[i];
        proceedsAt[slot] = oldProceeds[i];
        laterAt[slot] = oldLater[i];
      }
    }
  }

  /**
   * Mixes the high bits of a call's hash into the low ones: the calls here are those whose
   * low bits another call shares.
   */
  private static int spread(int hash) {
    int mixed = hash * 0x9E3779B9;
    return mixed ^ (mixed >>> 16);
  }
}
