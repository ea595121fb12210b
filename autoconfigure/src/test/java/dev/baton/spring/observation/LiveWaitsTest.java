package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveWaits}: a set in which each wait is listed once and forgotten once removed, across
 * its stripes, whose walks see every wait listed throughout them exactly once while others come
 * and go, resizing the stripes' arrays under the walk.
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
        assertThat(waits.get(i).slot).isEqualTo(-1);
      }
    }
    assertThat(live).hasSize(100);
    assertThat(walk(live)).containsExactlyInAnyOrderElementsOf(kept);

    kept.forEach(live::remove);
    assertThat(live).isEmpty();
    assertThat(walk(live)).isEmpty();
    assertThat(live.remove(new BareWait())).isFalse();
    BareWait again = new BareWait();
    assertThat(live.add(again)).isTrue();
    assertThat(walk(live)).containsExactly(again);
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
