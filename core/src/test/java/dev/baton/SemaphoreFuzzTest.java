package dev.baton;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncSemaphore}: several threads mix every operation,
 * and the end state must show no leaked, lost or extra permit. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class SemaphoreFuzzTest {

  private static final int RUNS = 150;
  private static final int RACE_ROUNDS = 15_000;

  /** The random mix of {@link PermitMixRun} on a semaphore of 1 to 4 permits. */
  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverExceedsThePermitsAndReturnsThemAll() {
    Fuzz.repeat("semaphore mix", RUNS, seed -> {
      int permits = 1 + new Random(seed).nextInt(4);
      new PermitMixRun("semaphore", seed, permits, AsyncSemaphore.create(permits)).run();
    });
  }

  /**
   * CPython gh-90155 and bpo-32734 for semaphores, on 1 to 3 permits: every permit is held, W1
   * (and maybe W2) wait; one thread cancels W1 while another releases a permit. Exactly one of
   * "W1 got the permit", "W2 got it", "it went back to the pool (no W2)" must be true, and
   * afterwards every permit comes back and a new acquire succeeds at once
   * ({@link CancelReleaseRace}).
   */
  @Test
  void cancelRacingReleaseGivesThePermitToExactlyOneAndStrandsNobody() {
    Fuzz.once("semaphore cancel/release race", seed -> new CancelReleaseRace("semaphore", seed,
        RACE_ROUNDS * Fuzz.STRESS, r -> AsyncSemaphore.create(1 + r.nextInt(3))).run());
  }
}
