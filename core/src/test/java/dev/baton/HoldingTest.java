package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link Holding#run}: every path of a scope completes its future, and a release that throws is
 * reported through it: suppressed by the action's failure when the action failed, as the failure
 * itself when the action succeeded. A release failure is what a holder whose hold was lost (a
 * Redis lease that ran out, say) must learn about. A scope already cancelled stays cancelled.
 */
class HoldingTest {

  private final AtomicInteger releases = new AtomicInteger();
  private final IllegalStateException releaseFailure =
      new IllegalStateException("release failed on purpose");
  private final IllegalArgumentException actionFailure =
      new IllegalArgumentException("action failed on purpose");
  /** A release that counts its calls and throws {@link #releaseFailure}. */
  private final Consumer<String> failingRelease = resource -> {
    releases.incrementAndGet();
    throw releaseFailure;
  };

  /**
   * The failure {@code result} completed with, unwrapped from {@link CompletionException}. Every
   * test here completes the scope on its own thread, so the scope must be done already.
   */
  private static Throwable failureOf(CompletableFuture<?> result) {
    assertThat(result).as("the scope's future").isCompletedExceptionally();
    Throwable thrown = catchThrowable(result::join);
    return thrown instanceof CompletionException && thrown.getCause() != null
        ? thrown.getCause() : thrown;
  }

  private static Supplier<CompletionStage<String>> completesWith(CompletionStage<String> stage) {
    return () -> stage;
  }

  @Nested
  class GrantedAtOnce {

    private final CompletableFuture<String> granted = CompletableFuture.completedFuture("permit");

    /**
     * A read-only stage ({@code minimalCompletionStage()}, {@code completedStage}), whose
     * {@code isDone} throws, is held until it completes like any other: the lock is not kept.
     */
    @Test
    void aReadOnlyStageIsHeldUntilItCompletesAndTheLockIsGivenBack() {
      AsyncLock lock = AsyncLock.create();
      CompletableFuture<String> work = new CompletableFuture<>();

      CompletableFuture<String> pending = lock.withLock(work::minimalCompletionStage);
      CompletableFuture<String> done = lock.withLock(() -> CompletableFuture.completedStage("x"));

      assertThat(lock.isLocked()).isTrue();
      work.complete("done");
      assertThat(pending.join()).isEqualTo("done");
      assertThat(done.join()).isEqualTo("x");
      assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void anActionAlreadyDoneWhoseReleaseThrowsFailsWithTheReleaseFailure() {
      CompletableFuture<String> result = Holding.run(granted, failingRelease,
          completesWith(CompletableFuture.completedFuture("done")));

      assertThat(failureOf(result)).isSameAs(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void anActionThatThrowsKeepsItsFailureWithTheReleaseFailureSuppressed() {
      CompletableFuture<String> result = Holding.run(granted, failingRelease, () -> {
        throw actionFailure;
      });

      assertThat(failureOf(result)).isSameAs(actionFailure);
      assertThat(actionFailure.getSuppressed()).containsExactly(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void aStageThatSucceedsLaterFailsWithTheReleaseFailure() {
      CompletableFuture<String> stage = new CompletableFuture<>();
      CompletableFuture<String> result = Holding.run(granted, failingRelease, completesWith(stage));

      stage.complete("later");

      assertThat(failureOf(result)).isSameAs(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void aStageThatFailsLaterKeepsItsFailureWithTheReleaseFailureSuppressed() {
      CompletableFuture<String> stage = new CompletableFuture<>();
      CompletableFuture<String> result = Holding.run(granted, failingRelease,
          completesWith(stage.thenApply(v -> v)));

      stage.completeExceptionally(actionFailure);

      assertThat(failureOf(result)).isSameAs(actionFailure);
      assertThat(actionFailure.getSuppressed()).containsExactly(releaseFailure);
      assertThat(releases).hasValue(1);
    }
  }

  @Nested
  class GrantedLater {

    private final CompletableFuture<String> acquiring = new CompletableFuture<>();

    @Test
    void anActionThatThrowsKeepsItsFailureWithTheReleaseFailureSuppressed() {
      CompletableFuture<String> result = Holding.run(acquiring, failingRelease, () -> {
        throw actionFailure;
      });

      acquiring.complete("permit");

      assertThat(failureOf(result)).isSameAs(actionFailure);
      assertThat(actionFailure.getSuppressed()).containsExactly(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void anActionThatSucceedsFailsWithTheReleaseFailure() {
      CompletableFuture<String> result = Holding.run(acquiring, failingRelease,
          completesWith(CompletableFuture.completedFuture("done")));

      acquiring.complete("permit");

      assertThat(failureOf(result)).isSameAs(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void aStageThatFailsKeepsItsFailureWithTheReleaseFailureSuppressed() {
      CompletableFuture<String> result = Holding.run(acquiring, failingRelease,
          completesWith(CompletableFuture.failedFuture(actionFailure)));

      acquiring.complete("permit");

      assertThat(failureOf(result)).isSameAs(actionFailure);
      assertThat(actionFailure.getSuppressed()).containsExactly(releaseFailure);
      assertThat(releases).hasValue(1);
    }

    @Test
    void aScopeCancelledBeforeAGrantThatCouldNotBeWithdrawnStaysCancelledAndReleasesOnce() {
      // An acquire whose grant was already decided refuses the cancel, as a queued waiter does
      // when it loses the race to a release.
      CompletableFuture<String> decided = new CompletableFuture<>() {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
          return false;
        }
      };
      AtomicInteger actionRuns = new AtomicInteger();
      CompletableFuture<String> result = Holding.run(decided, failingRelease, () -> {
        actionRuns.incrementAndGet();
        return CompletableFuture.completedFuture("ran");
      });
      assertThat(result.cancel(false)).isTrue();

      decided.complete("permit");

      assertThat(result).isCancelled();
      assertThat(actionRuns).hasValue(0);
      assertThat(releases).hasValue(1);
    }

    /**
     * A continuation that marks what it runs: the action and the dependents of a result that
     * completes with it run inside, and so does a failed wait's; a grant at once does not use it.
     */
    @Test
    void whatFollowsAPendingWaitRunsThroughTheContinuation() {
      ThreadLocal<String> context = new ThreadLocal<>();
      Executor inCallersContext = command -> {
        context.set("caller");
        try {
          command.run();
        } finally {
          context.remove();
        }
      };
      List<String> seen = new ArrayList<>();
      CompletableFuture<String> result = Holding.run(acquiring,
          resource -> releases.incrementAndGet(), () -> {
            seen.add("action in " + context.get());
            return CompletableFuture.completedFuture("done");
          }, inCallersContext);
      CompletableFuture<String> dependent =
          result.thenApply(value -> value + " in " + context.get());
      CompletableFuture<String> waitFailed = new CompletableFuture<>();
      CompletableFuture<String> failedDependent = Holding.run(waitFailed, failingRelease,
          completesWith(CompletableFuture.completedFuture("never")), inCallersContext)
          .exceptionally(failure -> "failure in " + context.get());

      acquiring.complete("permit");
      waitFailed.completeExceptionally(actionFailure);

      assertThat(seen).containsExactly("action in caller");
      assertThat(dependent).isCompletedWithValue("done in caller");
      assertThat(failedDependent).isCompletedWithValue("failure in caller");
      assertThat(releases).hasValue(1);
      assertThat(Holding.run(CompletableFuture.completedFuture("permit"), resource -> { },
          () -> CompletableFuture.completedFuture(context.get()), inCallersContext))
          .as("granted at once: on the calling thread, as it is").isCompletedWithValue(null);
    }
  }

  @Test
  void whenSettledReportsHowTheScopeEndedByItselfEvenAfterItsCallerCompletedItEarly() {
    CompletableFuture<String> acquiring = new CompletableFuture<>();
    CompletableFuture<String> work = new CompletableFuture<>();
    CompletableFuture<String> result =
        Holding.run(acquiring, resource -> releases.incrementAndGet(), () -> work);
    acquiring.complete("permit");
    CompletableFuture<String> before = new CompletableFuture<>();
    Holding.whenSettled(result, (value, failure) -> before.complete(value));

    assertThat(result.complete("fallback")).isTrue();

    assertThat(before).as("not while the action runs").isNotDone();
    work.complete("done");
    assertThat(releases).hasValue(1);
    assertThat(before).isCompletedWithValue("done");
    CompletableFuture<String> after = new CompletableFuture<>();
    Holding.whenSettled(result, (value, failure) -> after.complete(value));
    assertThat(after).as("asked once it had ended").isCompletedWithValue("done");
    assertThat(result).isCompletedWithValue("fallback");
  }

  @Test
  void aFailedAcquireFailsTheScopeWithoutReleasingOrRunning() {
    AtomicInteger actionRuns = new AtomicInteger();
    CompletableFuture<String> result = Holding.run(
        CompletableFuture.failedFuture(actionFailure), failingRelease, () -> {
          actionRuns.incrementAndGet();
          return CompletableFuture.completedFuture("ran");
        });

    assertThat(failureOf(result)).isSameAs(actionFailure);
    assertThat(actionRuns).hasValue(0);
    assertThat(releases).hasValue(0);
  }
}
