package dev.baton;

import static dev.baton.Scenarios.init;
import static dev.baton.Scenarios.parallel;
import static dev.baton.Scenarios.post;
import static dev.baton.Scenarios.scenario;
import static dev.baton.Scenarios.thread;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: a permit closed twice at once releases once and never a later holder, on the lock and
 * on the semaphore. {@link Permit#close()} is documented as safe where cleanup may run twice, and
 * two cleanups may well run at the same time.
 *
 * <p>The race that broke the lock: the first close finds a waiter queued and goes for the guard
 * to hand over; the last waiter withdraws; the second close unlocks through the fast path; a
 * newcomer takes the lock; the first close, still sure of what it read, unlocked again and erased
 * the newcomer's hold (two holders, and the next grant repeated the newcomer's fencing token).
 *
 * <p>The harness keeps one permit apart, the shared one, for {@code closeShared}; the permits of
 * every other grant are held for good, so the results show whether the permit that came back was
 * taken once.
 *
 * <p>The single-waiter race is checked for what it broke, not for linearizability: a second close
 * returns as soon as it finds the permit being released, and the first close may still be giving
 * the permit back from a waiter whose cancel won (see {@link Permit#close()}). No sequential order
 * explains what a thread sees in that window, so there the operations report nothing, and the
 * post part checks that every permit the primitive counts as held has exactly one live holder.
 */
public class DoubleCloseLincheckTest {

  /**
   * Interleavings explored for the lock's race; the model checker, which explores in a fixed
   * order, first meets it after 15,000 to 20,000 on the code that had the bug.
   */
  private static final int RACE_INVOCATIONS = 30_000;
  /** Interleavings explored for the scenarios that only confirm one hand-over. */
  private static final int INVOCATIONS = 2_000;
  /** More permits than any scenario here can grant at once. */
  private static final int MAX_HELD = 4;

  /** Closes of a shared permit, a withdrawing waiter and a newcomer, on any permit primitive. */
  public abstract static class Harness {
    private final AsyncSemaphore primitive;
    private final PendingWaits pending = new PendingWaits();
    /** The permits {@link #tryAcquire} took; none is ever released. */
    private final HeldPermits taken = new HeldPermits(MAX_HELD);
    /** The permit {@link #closeShared} closes; set by {@link #holdShared}. */
    private volatile Permit shared;

    Harness(AsyncSemaphore primitive) {
      this.primitive = primitive;
    }

    /** Takes a permit as the shared one; whether one was free. */
    @Operation
    public boolean holdShared() {
      Optional<Permit> p = primitive.tryAcquire();
      p.ifPresent(taken -> shared = taken);
      return p.isPresent();
    }

    /** Closes the shared permit, taken by an earlier {@link #holdShared}. */
    @Operation
    public void closeShared() {
      shared.close();
    }

    /** Whether the acquire queued; a granted permit is held for good. */
    @Operation
    public boolean acquire() {
      PendingWaits.Slot slot = pending.reserve();
      CompletableFuture<Permit> f = primitive.acquire();
      slot.publish(f);
      return LincheckSupport.queued(f);
    }

    /** Whether a permit was free; it is held for good. */
    @Operation
    public boolean tryAcquire() {
      Optional<Permit> p = primitive.tryAcquire();
      p.ifPresent(taken::add);
      return p.isPresent();
    }

    /** {@link #tryAcquire}, reporting nothing. */
    @Operation
    public void takeIfFree() {
      tryAcquire();
    }

    @Operation
    public boolean cancelAcquire() {
      return pending.cancelOldest();
    }

    /** {@link #cancelAcquire}, reporting nothing. */
    @Operation
    public void withdrawOldest() {
      cancelAcquire();
    }

    /**
     * Once the shared permit is closed: whether the primitive counts as many permits held as the
     * harness holds for good, each with a token of its own. Holds in every sequential history; a
     * permit that came back twice makes it false. The permits' own {@link Permit#isReleased()} is
     * not asked: a lock permit reads it from the lock's state, the very thing under test.
     */
    @Operation
    public boolean eachHeldPermitHasOneHolder() {
      List<Permit> live = new ArrayList<>(taken.snapshot());
      pending.granted().forEach(p -> live.add((Permit) p));
      long distinctTokens = live.stream().mapToLong(Permit::token).distinct().count();
      return distinctTokens == live.size()
          && live.size() == primitive.maxPermits() - primitive.availablePermits();
    }

    @Operation
    public int availablePermits() {
      return primitive.availablePermits();
    }

    @Operation
    public int waiters() {
      return primitive.waiters();
    }
  }

  /** The harness on a lock. */
  public static final class OnLock extends Harness {
    public OnLock() {
      super(new LockAsSemaphore(AsyncLock.create()));
    }
  }

  /** The harness on a semaphore of two permits, the other one held. */
  public static final class OnSemaphore extends Harness {
    public OnSemaphore() {
      super(AsyncSemaphore.create(2));
    }
  }

  /**
   * The race that broke the lock: the last waiter withdraws while the shared permit is closed
   * twice, and a newcomer takes the lock the second close freed.
   */
  @Test
  void aLockPermitClosedTwiceAsTheLastWaiterWithdrawsNeverReleasesTheNextHolder() {
    LincheckSupport.modelCheckOnly(OnLock.class, RACE_INVOCATIONS,
        lastWaiterWithdraws(OnLock.class, "holdShared", "acquire"));
  }

  /** The same race on a semaphore whose other permit is held. */
  @Test
  void aSemaphorePermitClosedTwiceAsTheLastWaiterWithdrawsIsGivenBackOnce() {
    LincheckSupport.modelCheckOnly(OnSemaphore.class, INVOCATIONS,
        lastWaiterWithdraws(OnSemaphore.class, "tryAcquire", "holdShared", "acquire"));
  }

  /** With two waiters, one withdrawing: the shared permit goes to the other waiter, once. */
  @Test
  void aLockPermitClosedTwiceAtOnceIsHandedOverOnce() {
    LincheckSupport.modelCheckOnly(OnLock.class, INVOCATIONS,
        doubleClose(OnLock.class, "holdShared", "acquire", "acquire"));
  }

  /** As above on a semaphore whose other permit is held. */
  @Test
  void aSemaphorePermitClosedTwiceAtOnceIsGivenBackOnce() {
    LincheckSupport.modelCheckOnly(OnSemaphore.class, INVOCATIONS,
        doubleClose(OnSemaphore.class, "tryAcquire", "holdShared", "acquire", "acquire"));
  }

  /**
   * After {@code setUp} (every permit held, the shared one among them, and waiters queued), two
   * threads close the shared permit while a third withdraws the oldest waiter; the second closer
   * then comes back as a newcomer and tries to take a permit. Afterwards the permits show who
   * holds what.
   */
  private static ExecutionScenario doubleClose(Class<? extends Harness> harness,
      String... setUp) {
    return scenario(harness, init(setUp),
        parallel(thread("closeShared"), thread("cancelAcquire"),
            thread("closeShared", "tryAcquire")),
        post("availablePermits", "waiters", "tryAcquire"));
  }

  /**
   * {@link #doubleClose} with one waiter, the one withdrawn, and operations that report nothing;
   * afterwards, whether each permit held has one holder.
   */
  private static ExecutionScenario lastWaiterWithdraws(Class<? extends Harness> harness,
      String... setUp) {
    return scenario(harness, init(setUp),
        parallel(thread("closeShared"), thread("withdrawOldest"),
            thread("closeShared", "takeIfFree")),
        post("eachHeldPermitHasOneHolder"));
  }
}
