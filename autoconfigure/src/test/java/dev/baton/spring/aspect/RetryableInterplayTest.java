package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncLock;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.RetriedService;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Spring's {@code @Retryable} with {@code @Guarded}: Spring adds the retry advisor before all
 * others, so it is outside Baton's and each attempt lets go of the lock and waits for it again,
 * behind whoever asked meanwhile.
 */
@BatonAspectsTest
@Timeout(30)
class RetryableInterplayTest {

  @Autowired
  private RetriedService retried;

  @Autowired
  private PrimitiveRegistry registry;

  @Test
  void eachRetryAttemptLetsGoOfTheLockAndWaitsForItAgain() {
    AsyncLock lock = registry.lock("retried-lock");
    AtomicInteger attempts = new AtomicInteger();
    List<Boolean> lockedInAttempts = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> attemptsWhenOtherGranted = new CompletableFuture<>();

    String result = retried.attempt(() -> {
      int attempt = attempts.incrementAndGet();
      lockedInAttempts.add(lock.isLocked());
      if (attempt == 1) {
        lock.acquire().thenAccept(permit -> {
          attemptsWhenOtherGranted.complete(attempts.get());
          permit.release();
        });
      }
      if (attempt < 3) {
        throw new IllegalStateException("attempt " + attempt + " fails");
      }
      return "done";
    });

    assertThat(result).isEqualTo("done");
    assertThat(lockedInAttempts).containsExactly(true, true, true);
    assertThat(attemptsWhenOtherGranted)
        .as("a wait queued in the first attempt is granted before the second attempt")
        .isCompletedWithValue(1);
    assertThat(lock.isLocked()).isFalse();
  }
}
