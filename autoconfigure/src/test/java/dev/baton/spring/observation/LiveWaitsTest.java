package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveWaits}: a set in which each wait is listed once in its life and ended once removed,
 * across its stripes, and let go at the next resize or drop; whose walks see every wait listed
 * throughout them exactly once while others come and go, resizing the stripes' arrays under the
 * walk.
 */
class LiveWaitsTest {

  @Test
  void listsEachWaitOnceThroughGrowthAndShrinkingAndForgetsRemovedOnes() {
    LiveWaits live = new LiveWaits();
    List<PendingWait> waits = BareWait.many(1_000);
    for (PendingWait wait : waits) {
      assertThat(live.add(wait)).isTrue();
      assertThat(live.add(wait)).isFalse();
    }
    assertThat(live).hasSize(1_000);
    assertThat(walk(live)).containsExactlyInAnyOrderElementsOf(waits);

    List<PendingWait> kept = new ArrayList<>();
    for (int i = 0; i < waits.size(); i++) {
      if (i % 10 == 0) {
        kept.add(waits.get(i));
      } else {
        assertThat(live.remove(waits.get(i))).isTrue();
        assertThat(live.remove(waits.get(i))).isFalse();
        assertThat(live.contains(waits.get(i))).isFalse();
        assertThat(live.add(waits.get(i))).as("listed once in its life").isFalse();
      }
    }
    assertThat(live).hasSize(100);
    assertThat(walk(live)).containsExactlyInAnyOrderElementsOf(kept);
    live.dropEnded();
    assertThat(live.references()).containsExactlyInAnyOrderElementsOf(kept);

    kept.forEach(live::remove);
    assertThat(live).isEmpty();
    assertThat(walk(live)).isEmpty();
    assertThat(live.remove(new BareWait())).isFalse();
    BareWait again = new BareWait();
    assertThat(live.add(again)).isTrue();
    assertThat(walk(live)).containsExactly(again);
  }

  /**
   * Removing a wait only ends it, the waiter it was handed dropped at once; the wait leaves its
   * slot when its stripe next resizes, or at the next drop, and is then kept by nothing.
   */
  @Test
  void anEndedWaitKeepsNothingItsWaiterWasHandedAndIsLetGoAtTheNextResizeOrDrop() {
    LiveWaits live = new LiveWaits();
    BareWait ended = new BareWait();
    live.add(ended);
    CompletableFuture<Object> handed = new CompletableFuture<>();
    ended.handedOut(handed);
    WeakReference<CompletableFuture<Object>> waiter = new WeakReference<>(handed);
    WeakReference<BareWait> wait = new WeakReference<>(ended);
    assertThat(live.remove(ended)).isTrue();
    assertThat(ended.fail(new IllegalStateException())).as("ended: nothing left to fail").isFalse();
    assertThat(handed).isNotDone();
    ended = null;
    handed = null;
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return waiter.get() == null;
    });
    assertThat(wait.get()).as("kept by its slot until a resize or a drop").isNotNull();
    assertThat(live).isEmpty();

    live.dropEnded();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return wait.get() == null;
    });

    BareWait first = new BareWait();
    live.add(first);
    WeakReference<BareWait> resized = new WeakReference<>(first);
    live.remove(first);
    first = null;
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      BareWait.many(1_000).forEach(live::add); // until its stripe, full, makes room
      System.gc();
      return resized.get() == null;
    });
  }

  /**
   * A full array whose waits have all ended is emptied in place: a walk under way on it meets
   * none of them, and may or may not meet waits listed in it meanwhile.
   */
  @Test
  void aWalkUnderWayWhenAFullArrayOfEndedWaitsIsEmptiedInPlaceMeetsNoneOfThem() {
    LiveWaits live = new LiveWaits(1);
    List<PendingWait> ended = BareWait.many(4); // fills an array of 4 slots
    ended.forEach(live::add);
    Iterator<PendingWait> walk = live.iterator();
    assertThat(walk.next()).isSameAs(ended.get(0));
    ended.forEach(live::remove);
    BareWait later = new BareWait(); // into slot 0, behind the walk
    live.add(later);

    assertThat(walk.hasNext()).isFalse();
    assertThat(walk(live)).containsExactly(later);
    assertThat(live.references()).containsExactly(later);
  }

  /**
   * A full array with one wait still pending makes room by copying that wait into a new array,
   * not by emptying the array in place as it does when every wait in it has ended.
   */
  @Test
  void aFullArrayWithOneWaitStillPendingKeepsThatWaitWhenItMakesRoom() {
    LiveWaits live = new LiveWaits(1);
    List<PendingWait> waits = BareWait.many(4); // fills an array of 4 slots
    waits.forEach(live::add);
    waits.subList(0, 3).forEach(live::remove);
    BareWait later = new BareWait();
    live.add(later);

    assertThat(walk(live)).containsExactly(waits.get(3), later);
    assertThat(live.contains(waits.get(3))).isTrue();
    assertThat(live.references()).containsExactly(waits.get(3), later);
  }

  /** A wait granted while it was being handed out keeps nothing it was handed. */
  @Test
  void aWaitEndedBeforeItWasHandedOutKeepsNothingItWasHanded() {
    LiveWaits live = new LiveWaits();
    BareWait wait = new BareWait();
    live.add(wait);
    live.remove(wait);
    CompletableFuture<Object> handed = new CompletableFuture<>();
    wait.handedOut(handed);
    assertThat(wait.fail(new IllegalStateException())).isFalse();
    assertThat(handed).isNotDone();
  }

  @Test
  void aWalkSeesEveryWaitListedThroughoutItExactlyOnceWhileOthersComeAndGo() {
    LiveWaits live = new LiveWaits();
    List<PendingWait> steady = BareWait.many(300);
    steady.forEach(live::add);
    List<CompletableFuture<Void>> churns = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      churns.add(CompletableFuture.runAsync(() -> churn(live), runnable -> new Thread(runnable)
          .start()));
    }
    CompletableFuture<Void> churned = CompletableFuture.allOf(
        churns.toArray(CompletableFuture[]::new));
    int walks = 0;
    do {
      List<PendingWait> seen = walk(live);
      Set<PendingWait> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
      distinct.addAll(seen);
      assertThat(distinct).as("a wait seen twice in one walk").hasSize(seen.size());
      assertThat(distinct).containsAll(steady);
      walks++;
    } while (!churned.isDone() || walks < 10);
    churned.join();

    assertThat(live).hasSize(steady.size());
    assertThat(walk(live)).containsExactlyInAnyOrderElementsOf(steady);
  }

  /**
   * Lists and removes batches of waits of random sizes, up to many times more than the steady
   * ones, in random orders, so that the stripes' arrays grow and shrink again and again.
   */
  private static void churn(LiveWaits live) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int round = 0; round < 200; round++) {
      List<PendingWait> batch = BareWait.many(1 << random.nextInt(12));
      batch.forEach(live::add);
      Collections.shuffle(batch, random);
      for (PendingWait wait : batch) {
        assertThat(live.remove(wait)).isTrue();
      }
    }
  }

  /** What a walk over {@code live} meets, in order, each time it meets it. */
  static <E> List<E> walk(Iterable<E> live) {
    List<E> seen = new ArrayList<>();
    for (E element : live) {
      seen.add(element);
    }
    return seen;
  }
}
