package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.PendingWait;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * {@link LeafCalls} groups leaf waits by call exactly, whatever their hashes: waits are given
 * made-up hashes here, so that the calls sharing a hash bit, which a full check meets only by
 * chance, are the rule. The waits themselves are never read, so they are left null.
 */
class LeafCallsTest {

  private static final IntPredicate EVERY_WAIT = index -> true;

  @Test
  void aCallIsStuckOnlyWhenAllItsWaitsAreAndStartsAtItsFirstWait() {
    Call a = call();
    Call b = call();
    Call c = call();
    Call[] calls = {a, b, a, c, c, b};
    int[] sameHash = new int[calls.length];
    Set<Integer> proceeding = Set.of(2);

    LeafCalls leaves = new LeafCalls(new PendingWait[calls.length], calls, sameHash,
        calls.length, EVERY_WAIT, proceeding::contains);

    assertThat(leaves.startsStuckCall(0)).as("a proceeds through its second wait").isFalse();
    assertThat(leaves.startsStuckCall(1)).as("b's first wait").isTrue();
    assertThat(leaves.startsStuckCall(5)).as("b's second wait").isFalse();
    assertThat(leaves.startsStuckCall(3)).as("c's first wait").isTrue();
    assertThat(leaves.startsStuckCall(4)).as("c's second wait").isFalse();
    assertThat(leaves.waitsOfCall(4)).hasSize(2);
    assertThat(leaves.waitsOfCall(0)).hasSize(2);
  }

  /** A wait that can proceed frees its call whatever stuck waits of the call are read after it. */
  @Test
  void aCallIsNotStuckWhenAWaitBetweenItsStuckOnesCanProceed() {
    Call a = call();
    Call b = call();
    Call[] calls = {a, b, a, a};
    int[] sameHash = new int[calls.length];
    Set<Integer> proceeding = Set.of(2);

    LeafCalls leaves = new LeafCalls(new PendingWait[calls.length], calls, sameHash,
        calls.length, EVERY_WAIT, proceeding::contains);

    assertThat(leaves.startsStuckCall(0)).as("a proceeds through its second wait").isFalse();
    assertThat(leaves.startsStuckCall(3)).as("a's third wait").isFalse();
    assertThat(leaves.startsStuckCall(1)).as("b's only wait").isTrue();
    assertThat(leaves.waitsOfCall(3)).hasSize(3);
  }

  /** A call keeps its later waits, and whether one proceeds, when the table grows after them. */
  @Test
  void aCallsLaterWaitsAreKeptThroughTheTableGrowingAfterThem() {
    int others = 40; // entries enough for the table to grow, each after the two waits of a
    Call a = call();
    Call[] calls = new Call[2 + others];
    calls[0] = a;
    calls[1] = a;
    for (int i = 2; i < calls.length; i++) {
      calls[i] = call();
    }
    int[] sameHash = new int[calls.length];

    LeafCalls leaves = new LeafCalls(new PendingWait[calls.length], calls, sameHash,
        calls.length, EVERY_WAIT, index -> index == 1);

    assertThat(leaves.waitsOfCall(0)).hasSize(2);
    assertThat(leaves.startsStuckCall(0)).as("a proceeds through its second wait").isFalse();
    assertThat(leaves.startsStuckCall(calls.length - 1)).isTrue();
  }

  @Test
  void thousandsOfCallsOnOneHashAreEachTheirOwn() {
    int n = 5_000;
    Call[] calls = new Call[2 * n];
    for (int i = 0; i < n; i++) {
      calls[i] = call();
      calls[n + i] = calls[i]; // each call waits twice, its waits far apart
    }
    int[] hashes = new int[calls.length];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = (i % n) % 3 << 21; // three hashes, equal in their low bits
    }
    IntPredicate proceeding = index -> index >= n && index % 2 == 0;

    LeafCalls leaves = new LeafCalls(new PendingWait[calls.length], calls, hashes, calls.length,
        EVERY_WAIT, proceeding);

    for (int i = 0; i < n; i++) {
      assertThat(leaves.startsStuckCall(i)).as("call %d", i).isEqualTo(i % 2 == 1);
      assertThat(leaves.startsStuckCall(n + i)).as("second wait of call %d", i).isFalse();
      assertThat(leaves.waitsOfCall(n + i)).hasSize(2);
    }
  }

  @Test
  void aCallAloneOnItsHashBitIsItsOnlyWaitAndStuck() {
    Call[] calls = {call(), call()};
    int[] hashes = {1, 2};

    LeafCalls leaves = new LeafCalls(new PendingWait[calls.length], calls, hashes, calls.length,
        EVERY_WAIT, index -> false);

    assertThat(leaves.startsStuckCall(0)).isTrue();
    assertThat(leaves.startsStuckCall(1)).isTrue();
  }

  private static Call call() {
    try (CurrentCall.Scope scope = CurrentCall.open("Test.call")) {
      return scope.call();
    }
  }
}
