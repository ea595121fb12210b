package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The wait of a method with a synchronous result ({@link BlockingAdapter}). */
@Timeout(30)
class BlockingAdapterTest {

  private final AsyncSemaphore semaphore = AsyncSemaphore.create(1);

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  /**
   * A caller interrupted as its permit is granted: the interrupt wins (the call throws and its
   * body never runs), but the wait cannot be withdrawn any more, so the grant that landed must be
   * given back rather than leak the only permit.
   */
  @Test
  void aGrantThatLandsAsTheCallerIsInterruptedIsGivenBack() throws Exception {
    Permit permit = semaphore.acquire().join();
    CompletableFuture<Permit> landing = new CompletableFuture<>() {
      @Override
      public Permit get() throws InterruptedException {
        complete(permit); // the grant lands as the waiting caller is interrupted
        throw new InterruptedException();
      }
    };
    Gate<Permit> gate = new Gate<>(() -> landing, Permit::close);
    AtomicBoolean ran = new AtomicBoolean();
    BlockingAdapter adapter = new BlockingAdapter(Object.class.getMethod("toString"));

    assertThatThrownBy(() -> adapter.around(gate, () -> {
      ran.set(true);
      return "ran";
    })).isInstanceOf(CancellationException.class);

    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    assertThat(ran).isFalse();
    assertThat(semaphore.availablePermits()).isOne();
  }
}
