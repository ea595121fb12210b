package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.PendingWait;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The stall view's watchdog, in a context: its ticks let go of the waits that ended, which their
 * lists only mark ({@link dev.baton.spring.observation.LiveWaits}), so that an application that
 * goes quiet after a burst of waits keeps none of them.
 */
@Timeout(30)
class StallWatchdogTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
          BatonAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=basic", "baton.stalls.confirm-after=50ms");

  @Test
  void aWaitThatEndedIsLetGoAtTheNextTick() {
    contextRunner.run(context -> {
      StallView view = context.getBean(StallView.class);
      WeakReference<PendingWait> ended = waitAndEnd(context.getBean(PrimitiveRegistry.class)
          .lock("ledger"), view);
      assertThat(view.pendingWaits()).isEmpty();

      await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc();
        return ended.get() == null;
      });
    });
  }

  /** A wait for {@code lock}, granted and released; only a weak reference to it is kept. */
  private static WeakReference<PendingWait> waitAndEnd(AsyncLock lock, StallView view) {
    Permit held = lock.acquire().join();
    CompletableFuture<Permit> waiting;
    try (CurrentCall.Scope call = CurrentCall.open("Ledger.post")) {
      waiting = lock.acquire();
    }
    WeakReference<PendingWait> wait = new WeakReference<>(view.pendingWaits().get(0));
    held.release();
    waiting.join().release();
    return wait;
  }
}
