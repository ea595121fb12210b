package dev.baton;

import static dev.baton.Scenarios.init;
import static dev.baton.Scenarios.parallel;
import static dev.baton.Scenarios.post;
import static dev.baton.Scenarios.scenario;
import static dev.baton.Scenarios.thread;

import java.util.concurrent.CompletableFuture;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: a bounded FIFO {@link AsyncQueue} (capacity 2) is linearizable under offer, poll,
 * put, take, cancellation of waiting puts and takes, and shutdown.
 *
 * <p>Items taken by a waiting take are not in the results (the take has returned by then), but
 * every item's fate is still visible through later polls and sizes. Waiting takes are
 * interchangeable, so {@code cancelTake} cancels any; waiting puts differ by their item, so
 * {@code cancelPut(item)} cancels a put of that item.
 */
@Param(name = "item", gen = IntGen.class, conf = "1:3")
public class QueueLincheckTest {

  private static final int CAPACITY = 2;
  /** {@link #put}/{@link #take}: the call waits. */
  static final int WAITS = -1;
  /** {@link #put}/{@link #take}: the future failed at once (the queue is shut down). */
  static final int FAILED = -2;
  /** {@link #put}: the item went in at once. */
  static final int DONE = 0;

  private final AsyncQueue<Integer> queue = AsyncQueue.bounded(CAPACITY);
  private final PendingWaits puts = new PendingWaits();
  private final PendingWaits takes = new PendingWaits();

  @Operation
  public boolean offer(@Param(name = "item") int item) {
    return queue.offer(item);
  }

  @Operation
  public Integer poll() {
    return queue.poll();
  }

  @Operation
  public int put(@Param(name = "item") int item) {
    PendingWaits.Slot slot = puts.reserve(item);
    CompletableFuture<Void> f = queue.put(item);
    slot.publish(f);
    return LincheckSupport.queued(f) ? WAITS : f.isCompletedExceptionally() ? FAILED : DONE;
  }

  /** The item taken at once, {@link #WAITS} or {@link #FAILED}. */
  @Operation
  public int take() {
    PendingWaits.Slot slot = takes.reserve();
    CompletableFuture<Integer> f = queue.take();
    slot.publish(f);
    return LincheckSupport.queued(f) ? WAITS : f.isCompletedExceptionally() ? FAILED : f.join();
  }

  @Operation
  public boolean cancelPut(@Param(name = "item") int item) {
    return puts.cancelOldest(tag -> tag == item);
  }

  @Operation
  public boolean cancelTake() {
    return takes.cancelOldest();
  }

  @Operation
  public int size() {
    return queue.size();
  }

  @Operation
  public void shutdown() {
    queue.shutdown();
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(3)
        // a taker cancelled as an item arrives loses no item: the next poll gets it.
        .addCustomScenario(scenario(getClass(),
            init("take"),
            parallel(thread("offer:1"), thread("cancelTake")),
            post("size", "poll")))
        // a putter cancelled as room appears inserts nothing, and a retried put succeeds.
        .addCustomScenario(scenario(getClass(),
            init("offer:1", "offer:2", "put:3"),
            parallel(thread("poll"), thread("cancelPut:3", "put:3")),
            post("poll", "poll", "size")))
        // shutdown with a waiting taker and putter racing an offer.
        .addCustomScenario(scenario(getClass(),
            init("take"),
            parallel(thread("shutdown"), thread("offer:2", "put:3")),
            post("size", "poll", "take")))
        .check(getClass());
  }

  @Test
  public void stress() {
    LincheckSupport.stress(3)
        .check(getClass());
  }
}
