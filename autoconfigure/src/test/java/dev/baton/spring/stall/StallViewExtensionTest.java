package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** A test that times out in a deadlock shows, in its failure, what the stall view saw. */
class StallViewExtensionTest {

  /** The configuration parameter under which {@link TimingOut} runs. */
  private static final String KIT = "baton.stall-view-extension-test";

  /** The view of the test run below; kept running until this test has read the failure. */
  private static StallView view;

  @Test
  void aTestTimingOutInADeadlockFailsWithTheStallViewAttached() {
    view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        Duration.ofSeconds(1), null, null, null));
    try {
      List<Event> failed = EngineTestKit.engine("junit-jupiter")
          .selectors(selectClass(TimingOut.class)).configurationParameter(KIT, "true").execute()
          .testEvents().failed().list();

      assertThat(failed).singleElement().satisfies(event -> {
        Throwable failure = event.getRequiredPayload(TestExecutionResult.class).getThrowable()
            .orElseThrow();
        assertThat(failure).hasMessageContaining("timed out after 300 milliseconds");
        assertThat(failure.getSuppressed()).anySatisfy(attached -> assertThat(attached)
            .isInstanceOf(StallViewExtension.StallViewSnapshot.class)
            .hasMessageContaining("Baton stall view (basic):")
            .hasMessageContaining("deadlock (suspected): ")
            .hasMessageContaining("Test.place holds lock 'inventory' and waits for lock 'ledger'")
            .hasMessageContaining("Test.post waits for lock 'inventory' for ")
            .hasMessageContaining(": held for "));
      });
    } finally {
      view.destroy();
    }
  }

  @Test
  void aTimeoutOrABatonTimeoutAmongTheCausesAttachesTheViewAndAnyOtherFailureDoesNot() {
    view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        Duration.ofSeconds(1), null, null, null));
    try {
      List<Event> failed = EngineTestKit.engine("junit-jupiter")
          .selectors(selectClass(FailingTwoWays.class)).configurationParameter(KIT, "true")
          .execute().testEvents().failed().list();

      assertThat(failed).hasSize(3).allSatisfy(event -> {
        Throwable failure = event.getRequiredPayload(TestExecutionResult.class).getThrowable()
            .orElseThrow();
        boolean attached = List.of(failure.getSuppressed()).stream()
            .anyMatch(StallViewExtension.StallViewSnapshot.class::isInstance);
        assertThat(attached).as("the view attached to %s", failure)
            .isEqualTo(failure.getCause() instanceof AcquireTimeoutException
                || failure instanceof TimeoutException);
      });
    } finally {
      view.destroy();
    }
  }

  /**
   * Fails once on a Baton timeout inside a {@code CompletionException}, once on a
   * {@link TimeoutException} of its own, and once otherwise.
   */
  @ExtendWith({OnlyFromTheKit.class, StallViewExtension.class})
  static class FailingTwoWays {

    @Test
    void waitsTooLong() {
      AsyncLock ledger = new DefaultPrimitiveRegistry(TestProperties.defaults(),
          new LocalPrimitives(), List.of(), false, view).lock("ledger");
      ledger.acquire().join();
      ledger.acquire(Duration.ofMillis(20)).join();
    }

    @Test
    void getsTooLate() throws Exception {
      AsyncLock ledger = new DefaultPrimitiveRegistry(TestProperties.defaults(),
          new LocalPrimitives(), List.of(), false, view).lock("ledger");
      ledger.acquire().join();
      ledger.acquire().get(20, TimeUnit.MILLISECONDS);
    }

    @Test
    void failsOtherwise() {
      throw new IllegalStateException("not a timeout");
    }
  }

  /** Deadlocks and then waits longer than its timeout; run only through the test kit above. */
  @ExtendWith({OnlyFromTheKit.class, StallViewExtension.class})
  static class TimingOut {

    @Test
    @Timeout(value = 300, unit = TimeUnit.MILLISECONDS)
    void waitsForADeadlock() throws Exception {
      DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(TestProperties.defaults(),
          new LocalPrimitives(), List.of(), false, view);
      AsyncLock inventory = registry.lock("inventory");
      AsyncLock ledger = registry.lock("ledger");
      Call place;
      try (CurrentCall.Scope scope = CurrentCall.open("Test.place")) {
        place = scope.call();
        inventory.acquire().join();
      }
      try (CurrentCall.Scope post = CurrentCall.open("Test.post")) {
        ledger.acquire().join();
        inventory.acquire();
      }
      CompletableFuture<?> placeWaits;
      try (CurrentCall.Scope scope = CurrentCall.in(place)) {
        placeWaits = ledger.acquire();
      }
      placeWaits.get(10, TimeUnit.SECONDS);
    }
  }

  /** Keeps {@link TimingOut} from running on its own, as a build that lists nested classes would. */
  static final class OnlyFromTheKit implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(KIT).isPresent()
          ? ConditionEvaluationResult.enabled("run by StallViewExtensionTest")
          : ConditionEvaluationResult.disabled("runs only through StallViewExtensionTest");
    }
  }
}
