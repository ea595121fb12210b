package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** A call keeps the locks it holds, in the order granted, until each is released. */
class CallLocksTest {

  private static final WaitSite LEDGER = new WaitSite("lock", "ledger");
  /** The holds here are kept by their call only, as the tests need: no primitive lists them. */
  private static final LiveHolds LISTED_NOWHERE = new LiveHolds();

  private final Call call = new Call("Ledger.post", null, null);

  private static Hold hold() {
    return new Hold(null) {
      @Override
      public WaitSite site() {
        return LEDGER;
      }

      @Override
      public LiveHolds listedIn() {
        return LISTED_NOWHERE;
      }

      @Override
      public boolean lasts() {
        return true;
      }
    };
  }

  @Test
  void aCallHoldingNothingListsNoLock() {
    assertThat(call.locksHeld()).isEmpty();
  }

  @Test
  void locksAreListedInGrantOrderUntilReleased() {
    Hold first = hold();
    Hold second = hold();
    Hold third = hold();

    call.holding(first);
    assertThat(call.locksHeld()).containsExactly(first);
    call.holding(second);
    call.holding(third);
    assertThat(call.locksHeld()).containsExactly(first, second, third);

    call.released(second);
    assertThat(call.locksHeld()).containsExactly(first, third);
    call.released(first);
    assertThat(call.locksHeld()).containsExactly(third);
    call.released(third);
    assertThat(call.locksHeld()).isEmpty();
  }

  @Test
  void releasingAHoldTheCallDoesNotKeepChangesNothing() {
    Hold kept = hold();
    call.holding(kept);

    call.released(hold());

    assertThat(call.locksHeld()).containsExactly(kept);
  }

  @Test
  void aSnapshotDoesNotChangeWithLaterGrants() {
    Hold first = hold();
    call.holding(first);
    List<Hold> before = call.locksHeld();

    call.holding(hold());

    assertThat(before).containsExactly(first);
  }

  @Test
  void grantsAndReleasesOnTwoThreadsAtOnceLoseNothing() throws Exception {
    int each = 2_000;
    CyclicBarrier start = new CyclicBarrier(2);
    List<CompletableFuture<List<Hold>>> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      threads.add(CompletableFuture.supplyAsync(() -> {
        List<Hold> kept = new ArrayList<>();
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int i = 0; i < each; i++) {
          Hold passing = hold();
          call.holding(passing);
          Hold staying = hold();
          call.holding(staying);
          kept.add(staying);
          call.released(passing);
        }
        return kept;
      }, command -> new Thread(command).start()));
    }
    List<Hold> kept = new ArrayList<>();
    for (CompletableFuture<List<Hold>> thread : threads) {
      kept.addAll(thread.get());
    }

    assertThat(call.locksHeld()).hasSize(2 * each).containsExactlyInAnyOrderElementsOf(kept);
  }
}
