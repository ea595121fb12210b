package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.TestProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The registry's close, as the application shuts down, seen primitive by primitive. */
class RegistryCloseTests {

  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final DefaultPrimitiveRegistry registry =
      new DefaultPrimitiveRegistry(TestProperties.defaults(), List.of(), false);

  /**
   * A wait for an event asked for once the registry closed fails at once with an
   * {@link IllegalStateException} saying so, with or without a timeout, even if the event is set.
   */
  @Test
  void aWaitForAnEventAskedAfterTheCloseIsRefusedEvenIfTheEventIsSet() {
    AsyncEvent ready = registry.event("ready");
    AsyncEvent loaded = registry.event("loaded");
    ready.set();

    registry.close();

    List<CompletableFuture<Void>> waits = List.of(ready.await(), ready.await(WITHIN),
        loaded.await(), loaded.await(WITHIN));
    assertThat(waits).allSatisfy(wait -> assertThat(wait).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(IllegalStateException.class)
        .withMessageContaining("takes no new wait: the application is shutting down"));
  }

  /**
   * The close fails the waits pending for a condition's lock, a signalled waiter's taking it back
   * included, with a {@link CancellationException} saying the application is shutting down.
   */
  @Test
  void theCloseFailsTheWaitsPendingForAConditionsLock() {
    AsyncCondition ready = registry.condition("ready");
    Permit waiterHeld = ready.acquire().join();
    CompletableFuture<Permit> waiting = ready.await(waiterHeld);
    Permit held = ready.acquire().join();
    CompletableFuture<Permit> acquiring = ready.acquire();
    ready.signal();

    registry.close();

    assertThat(List.of(waiting, acquiring)).allSatisfy(wait -> assertThat(failureOf(wait))
        .isInstanceOf(CancellationException.class)
        .hasMessageContaining("condition 'ready' was withdrawn")
        .hasMessageContaining("the application is shutting down"));
    held.release();
    assertThat(ready.lock().tryAcquire()).as("nothing was granted after the close").isPresent();
  }

  /**
   * The close fails the waits pending for the lock of a key of a per-key family, saying the
   * application is shutting down; the holder keeps the key until it releases it.
   */
  @Test
  void theCloseFailsTheWaitsPendingForAKeysLock() {
    AsyncLock fig = registry.lock("stock", "fig");
    Permit held = fig.acquire().join();
    CompletableFuture<Permit> waiting = fig.acquire();

    registry.close();

    assertThat(failureOf(waiting)).isInstanceOf(CancellationException.class)
        .hasMessageContaining("lock 'stock' was withdrawn")
        .hasMessageContaining("the application is shutting down");
    assertThat(fig.isLocked()).as("the holder keeps the key").isTrue();
    held.release();
    assertThat(fig.isLocked()).as("nothing was granted after the close").isFalse();
  }

  /**
   * What {@code wait} failed with, within {@link #WITHIN}: the exception it completed with, which
   * {@code get()} throws only before Java 23 (later, a cancellation is a new one named "get",
   * with it as the cause).
   */
  private static Throwable failureOf(CompletableFuture<?> wait) {
    return wait.handle((value, failure) -> failure)
        .orTimeout(WITHIN.toMillis(), TimeUnit.MILLISECONDS).join();
  }
}
