package dev.baton.spring.stall;

import dev.baton.AcquireTimeoutException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * For tests: when a test fails by timing out (JUnit's {@code @Timeout}, a
 * {@link TimeoutException}, or a Baton wait's {@link AcquireTimeoutException} anywhere in the
 * failure's causes), adds what each running stall view sees to the failure, as a suppressed
 * exception whose message is {@link StallView#explain()}: deadlocks, inversions, re-entries, and
 * each pending wait with who holds it up. The failure itself is rethrown unchanged.
 *
 * <p>Register it with {@code @ExtendWith(StallViewExtension.class)} on a test class whose
 * application runs with {@code baton.stalls.level=basic} or {@code strict}; without a running
 * stall view it adds nothing.
 */
public final class StallViewExtension implements TestExecutionExceptionHandler {

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (timedOut(failure)) {
      for (StallView view : StallView.running()) {
        failure.addSuppressed(new StallViewSnapshot(view.explain()));
      }
    }
    throw failure;
  }

  private static boolean timedOut(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TimeoutException || t instanceof AcquireTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** What a stall view saw when a test timed out; carries no stack trace. */
  static final class StallViewSnapshot extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StallViewSnapshot(String explained) {
      super(explained, null, false, false);
    }
  }
}
