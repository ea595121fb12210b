package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveSlots}, as one stripe of a {@link StripedSlots}: a walk under way when the array is
 * compacted goes on over the array it read, a removed element is not kept, and an element of
 * another list is not taken for one of its own. (Its linearizability is {@link
 * LiveSlotsLincheckTest}'s; walks under churn, {@link LiveWaitsTest}'s.)
 */
class LiveSlotsTest {

  @Test
  void aWalkUnderWayWhenTheArrayIsCompactedGoesOnOverTheArrayItRead() {
    StripedSlots<PendingWait> live = new StripedSlots<>(1, false);
    List<PendingWait> waits = BareWait.many(16); // fills an array of 16 slots
    waits.forEach(live::add);
    Iterator<PendingWait> walk = live.iterator();
    assertThat(walk.next()).isSameAs(waits.get(0));
    assertThat(walk.next()).isSameAs(waits.get(1));
    for (int i = 1; i <= 12; i++) {
      live.remove(waits.get(i));
    }
    BareWait later = new BareWait();
    live.add(later); // no slot left: the 4 waits are copied to the front of a new array

    List<PendingWait> rest = new ArrayList<>();
    walk.forEachRemaining(rest::add);
    assertThat(rest).as("the waits listed throughout, some moved behind the walk")
        .containsExactly(waits.get(13), waits.get(14), waits.get(15));
    assertThat(LiveWaitsTest.walk(live)).containsExactly(waits.get(0), waits.get(13), waits.get(14),
        waits.get(15), later);
  }

  /**
   * The size counts an element that ended by itself until its stripe drops it, and the walk
   * passes it by; a stream must not take one for the other. Regression: sorting the live holds
   * while one ended threw, inside the explanation of a timeout, which left the timed-out waiter
   * pending for good.
   */
  @Test
  void aStreamSortsWhatTheWalkMeetsWhateverTheSizeSaid() {
    StripedSlots<PendingWait> live = new LiveWaits(1);
    List<PendingWait> waits = BareWait.many(3);
    waits.forEach(live::add);
    live.remove(waits.get(1)); // only ends it: its slot keeps it

    List<PendingWait> sorted = live.stream()
        .sorted(Comparator.comparingLong(PendingWait::sinceNanos)).toList();

    assertThat(sorted).containsExactlyInAnyOrder(waits.get(0), waits.get(2));
  }

  @Test
  void aRemovedElementIsNotKept() {
    StripedSlots<PendingWait> live = new StripedSlots<>(1, false);
    List<PendingWait> others = BareWait.many(50);
    others.forEach(live::add);
    BareWait removed = new BareWait();
    live.add(removed);
    List<PendingWait> later = BareWait.many(50);
    later.forEach(live::add);
    others.addAll(later);
    WeakReference<BareWait> gone = new WeakReference<>(removed);
    live.remove(removed);
    removed = null;

    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return gone.get() == null;
    });
    assertThat(live).hasSize(others.size());
  }

  @Test
  void anElementOfAnotherListIsNeitherContainedNorRemoved() {
    StripedSlots<PendingWait> one = new StripedSlots<>(1, false);
    StripedSlots<PendingWait> other = new StripedSlots<>(1, false);
    List<PendingWait> many = BareWait.many(40);
    many.forEach(other::add);
    BareWait own = new BareWait();
    one.add(own);

    for (PendingWait elsewhere : many) {
      assertThat(one.contains(elsewhere)).isFalse();
      assertThat(one.remove(elsewhere)).isFalse();
    }
    assertThat(one).containsExactly(own);
    assertThat(other).hasSize(many.size());
  }

  /**
   * A lock's wait under the stall view becomes its hold: for a while it is in a list of waits,
   * ended but not yet dropped, and in a list of holds. Neither list's changes move it in the
   * other, nor move the waits still pending.
   */
  @Test
  void aWaitThatBecameAHoldKeepsItsPlaceInEachListThroughTheOthersChanges() {
    LiveWaits waits = new LiveWaits(1);
    StripedSlots<PendingWait> holds = new StripedSlots<>(1, false);
    List<PendingWait> others = BareWait.many(40);
    BareWait both = new BareWait();
    others.subList(0, 20).forEach(waits::add);
    waits.add(both);
    others.subList(20, 40).forEach(waits::add);
    for (PendingWait granted : others.subList(0, 30)) {
      waits.remove(granted);
      holds.add(granted);
    }
    waits.remove(both);
    holds.add(both); // after 30 holds: its slot there is 30

    waits.dropEnded(); // copies the 10 waits still pending into a new array, numbering none
    for (PendingWait released : others.subList(0, 28)) {
      holds.remove(released); // the holds' array shrinks, and is renumbered
    }

    assertThat(holds.contains(both)).isTrue();
    assertThat(waits.contains(both)).isFalse();
    for (PendingWait pending : others.subList(30, 40)) {
      assertThat(waits.contains(pending)).as("still pending").isTrue();
      assertThat(waits.add(pending)).as("listed once").isFalse();
    }
    assertThat(holds.remove(both)).isTrue();
    assertThat(holds).containsExactlyInAnyOrder(others.get(28), others.get(29));
    assertThat(waits.add(both)).as("a wait ended is never listed again").isFalse();
  }
}
