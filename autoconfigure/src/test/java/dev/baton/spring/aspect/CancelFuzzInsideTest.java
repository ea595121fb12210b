package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How {@link CancelFuzz} counts a body out of its primitive. A body's end and its caller's cancel
 * can both count it out, on two threads (a Mono's failure on one, the cancel's
 * {@code doOnCancel} on another); whichever comes second goes on to the aspect, which gives the
 * grant back. Had it returned while the first was still counting the body out, the next caller's
 * body could enter before the count dropped, and the fuzz would report two bodies inside one lock
 * that never ran together (seed 3797701937062229547: "enter 392 ... fuzz-finisher-1, leave 390
 * ... fuzz-finisher-2").
 */
@Timeout(30)
class CancelFuzzInsideTest {

  @Test
  void aSecondLeaveReturnsOnlyOnceTheBodyIsCountedOut() throws Exception {
    CancelFuzz.Inside inside = new CancelFuzz.Inside("fuzz-lock", 1);
    inside.now().incrementAndGet();
    inside.bodies().add("body");
    Runnable leave = inside.leaving("body");
    CompletableFuture<Integer> insideAfterSecond = new CompletableFuture<>();
    Thread first = new Thread(leave, "first-leave");
    Thread second = new Thread(() -> {
      leave.run();
      insideAfterSecond.complete(inside.now().get());
    }, "second-leave");
    // Holding the events' lock stops the first leave once it has claimed the body, before the
    // body is counted out.
    synchronized (inside.events()) {
      first.start();
      Waits.eventually().until(() -> first.getState() == Thread.State.BLOCKED);
      second.start();
      Waits.eventually().until(() -> insideAfterSecond.isDone()
          || second.getState() == Thread.State.BLOCKED
          || second.getState() == Thread.State.WAITING);
    }
    first.join();
    second.join();
    assertThat(insideAfterSecond.join()).as("bodies inside once the second leave returned")
        .isZero();
    assertThat(inside.events()).containsExactly("leave body first-leave");
  }
}
