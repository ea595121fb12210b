package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Calls that complete at once with nothing to hand back share one future: nothing a caller does
 * to it reaches another caller's.
 */
class AlreadyDoneTest {

  @Test
  void aPutWithRoomAnAwaitOnASetEventAndAJoinOfAFinishedQueueShareADoneFutureNobodyCanChange() {
    AsyncQueue<String> queue = AsyncQueue.bounded(2);
    AsyncEvent event = AsyncEvent.create();
    event.set();
    List<CompletableFuture<Void>> done =
        List.of(queue.put("a"), event.await(), AsyncQueue.unbounded().join());

    for (CompletableFuture<Void> future : done) {
      assertThat(future.complete(null)).isFalse();
      assertThat(future.completeExceptionally(new IllegalStateException("mine"))).isFalse();
      assertThat(future.cancel(true)).isFalse();
      assertThatThrownBy(() -> future.obtrudeValue(null))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("copy()");
      assertThatThrownBy(() -> future.obtrudeException(new IllegalStateException("mine")))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(future.thenApply(nothing -> "next").join()).isEqualTo("next");
    }

    CompletableFuture<Void> next = queue.put("b");
    assertThat(next).isCompletedWithValue(null);
    assertThat(next.isCancelled()).isFalse();
    assertThat(event.await()).isCompletedWithValue(null);
  }
}
