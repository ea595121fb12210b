package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.TestCalls;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The stall view's watchdog, in a context: its ticks let go of the waits that ended, which their
 * lists only mark ({@link dev.baton.spring.observation.LiveWaits}), so that an application that
 * goes quiet after a burst of waits keeps none of them.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
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

  /**
   * The README: a daemon thread, {@code baton-stalls}, finds a deadlock with nobody asking, once
   * the system has gone quiet, and logs each confirmed deadlock once at WARN however long it
   * lasts.
   */
  @Test
  void withNobodyAskingTheWatchdogConfirmsADeadlockAndLogsItOnce(CapturedOutput output) {
    contextRunner.run(context -> {
      StallView view = context.getBean(StallView.class);
      assertThat(Thread.getAllStackTraces().keySet())
          .filteredOn(thread -> thread.getName().equals("baton-stalls"))
          .singleElement().satisfies(thread -> assertThat(thread.isDaemon()).isTrue());
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(context.getBean(PrimitiveRegistry.class),
          "apple", AsyncLock::acquire)) {

        await().atMost(Duration.ofSeconds(5)).until(() -> view.deadlocksConfirmed() == 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
            .until(() -> view.deadlocksConfirmed() == 1);

        assertThat(output.getOut().lines()
            .filter(line -> line.contains("Baton: deadlock among 2 calls, unchanged for ")))
            .singleElement().asString().contains("WARN").contains(TwoCallDeadlock.PLACE)
            .doesNotContain("apple");
      }
    });
  }

  /**
   * The README's strict mode: a deadlock once confirmed fails one of its waits, which the
   * watchdog does with nobody asking. The deadlock is of a semaphore and a lock, which are not
   * ordered, so that no inversion is refused first.
   */
  @Test
  void inStrictModeTheWatchdogBreaksAConfirmedDeadlockWithNobodyAsking() {
    contextRunner.withPropertyValues("baton.stalls.level=strict").run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncSemaphore payments = registry.semaphore("payments", 1);
      AsyncLock ledger = registry.lock("ledger");
      Call charge = TestCalls.call("Pay.charge");
      Call settle = TestCalls.call("Ledger.settle");
      Permit paying = TestCalls.as(charge, payments::acquire).join();
      Permit settling = TestCalls.as(settle, ledger::acquire).join();
      List<CompletableFuture<Permit>> waits = List.of(TestCalls.as(charge, ledger::acquire),
          TestCalls.as(settle, payments::acquire));

      await().atMost(Duration.ofSeconds(5))
          .until(() -> waits.stream().anyMatch(CompletableFuture::isCompletedExceptionally));

      CompletableFuture<Permit> broken = waits.stream()
          .filter(CompletableFuture::isCompletedExceptionally).findFirst().orElseThrow();
      assertThatThrownBy(broken::join).cause().isInstanceOf(DeadlockException.class)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("deadlock: ")
          .hasMessageContaining("Pay.charge holds semaphore 'payments' and waits for lock"
              + " 'ledger'");
      assertThat(context.getBean(StallView.class).deadlocksConfirmed()).isEqualTo(1);
      paying.release();
      settling.release();
      waits.stream().filter(wait -> wait != broken).forEach(wait -> wait.join().release());
    });
  }

  /**
   * The README's leaked permits, with nobody asking: once a hold has lasted half its
   * {@code held-too-long}, the watchdog's look after the collector cleared its dropped permit
   * finds it and logs it once at WARN.
   */
  @Test
  void withNobodyAskingTheWatchdogFindsAPermitDroppedUnreleased(CapturedOutput output) {
    contextRunner.withPropertyValues("baton.stalls.held-too-long=100ms").run(context -> {
      StallView view = context.getBean(StallView.class);
      AsyncLock journal = context.getBean(PrimitiveRegistry.class).lock("journal");
      try (CurrentCall.Scope call = CurrentCall.open("Journal.write")) {
        journal.acquire().join(); // dropped unreleased
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc(); // found once the collector has cleared the permit
        return view.leaksFound() == 1;
      });

      assertThat(output.getOut().lines().filter(line -> line.contains("Baton: leaked permit: ")))
          .singleElement().asString().contains("WARN")
          .contains("a permit of lock 'journal' taken by Journal.write was dropped unreleased");
      assertThat(journal.isLocked()).as("left held").isTrue();
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
