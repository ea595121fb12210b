package dev.baton.spring.local;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.ObservedGrants;
import dev.baton.spring.observation.SharedLevels;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A registry's condition: {@code condition}, made by {@code source}, with its waits reported, the
 * holds of its lock tracked and its levels read from the source's snapshot when it keeps one. An
 * await that releases the lock ends the hold of the permit it is given, timed up to where it
 * gives the lock up, and starts a new one when it re-acquires, described like the one it
 * replaced; an {@code awaitUntil} whose predicate already holds returns the permit it was given,
 * its hold untouched.
 */
final class ObservedCondition implements AsyncCondition, SharedLevels {

  private final AsyncCondition condition;
  private final ObservedLock lock;
  /** The source that made {@code condition}, which reads its shared levels. */
  private final PrimitiveSource source;

  ObservedCondition(AsyncCondition condition, ObservedGrants grants, PrimitiveSource source,
      Closing.Site closing) {
    this.condition = condition;
    this.lock = new ObservedLock(condition.lock(), grants, source, closing);
    this.source = source;
  }

  /**
   * Fails the waits for its lock pending now, re-acquires after a signal included, as the
   * application shuts down ({@link Closing}); its waits for a signal are left to the application.
   */
  void failPending() {
    lock.failPending();
  }

  @Override
  public AsyncLock lock() {
    return lock;
  }

  @Override
  public CompletableFuture<Permit> await(Permit held) {
    return reacquiring(held, false, condition::await);
  }

  @Override
  public CompletableFuture<Permit> await(Permit held, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return reacquiring(held, true, permit -> condition.await(permit, timeout));
  }

  @Override
  public CompletableFuture<Permit> awaitUntil(BooleanSupplier predicate, Permit held) {
    Objects.requireNonNull(predicate, "predicate");
    return reacquiring(held, false, permit -> condition.awaitUntil(predicate, permit));
  }

  @Override
  public void signal() {
    condition.signal();
  }

  @Override
  public void signal(int n) {
    condition.signal(n);
  }

  @Override
  public void signalAll() {
    condition.signalAll();
  }

  @Override
  public int waiters() {
    return condition.waiters();
  }

  @Override
  public Optional<Levels> sharedLevels() {
    return source.levels(condition);
  }

  private CompletableFuture<Permit> reacquiring(Permit held, boolean timed,
      Function<Permit, CompletableFuture<Permit>> await) {
    Objects.requireNonNull(held, "held");
    return lock.grants().reacquire(held, timed, await);
  }

  @Override
  public String toString() {
    return condition.toString();
  }
}
