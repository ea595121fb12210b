package dev.baton.spring.local;

import dev.baton.AsyncQueue;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.SharedQueueLevels;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's queue: {@code queue}, made by {@code source} for items of {@code itemType} (or of
 * any type when that is {@code null}), with its puts and takes reported as waits, its timeouts
 * naming it and its levels read from the source's snapshot when it keeps one. A put or take still
 * pending is relayed when it is timed or reported to listeners, and a put, take or join when the
 * stall view follows calls: then the call that waited (or none) is current again while it
 * settles, wherever it ends ({@link RelayedGrant#relayAs}). A relayed put or take withdrawn from
 * outside adds or loses no item, as {@link RelayedGrant} withdraws it before it settles, and the
 * listeners hear of it as a cancel, never as a grant or a failure of the queue.
 */
final class ObservedQueue<T> implements AsyncQueue<T>, SharedQueueLevels {

  private final AsyncQueue<T> queue;
  private final Class<T> itemType;
  private final WaitSite site;
  private final WaitListeners listeners;
  /** The source that made {@code queue}, which reads its shared levels. */
  private final PrimitiveSource source;
  /** Whether the stall view is on, and waits settle as the call that made them. */
  private final boolean followsCalls;

  ObservedQueue(AsyncQueue<T> queue, Class<T> itemType, WaitSite site, WaitListeners listeners,
      PrimitiveSource source, boolean followsCalls) {
    this.queue = queue;
    this.itemType = itemType;
    this.site = site;
    this.listeners = listeners;
    this.source = source;
    this.followsCalls = followsCalls;
  }

  /** The put or take {@code wait}, reported and relayed if it must be (see the class comment). */
  private <R> CompletableFuture<R> observed(CompletableFuture<R> wait, boolean timed) {
    return relayed(listeners.observe(site, wait), timed || !listeners.isEmpty());
  }

  /** {@code wait}, relayed if {@code relay} or the stall view follows calls. */
  private <R> CompletableFuture<R> relayed(CompletableFuture<R> wait, boolean relay) {
    return followsCalls ? RelayedGrant.relayAs(CurrentCall.get(), site, wait)
        : relay ? RelayedGrant.relay(site, wait) : wait;
  }

  /** The declared type of the items, or {@code null} if none was declared. */
  Class<T> itemType() {
    return itemType;
  }

  @Override
  public CompletableFuture<Void> put(T item) {
    return observed(queue.put(item), false);
  }

  @Override
  public CompletableFuture<Void> put(T item, Duration timeout) {
    return observed(queue.put(item, timeout), true);
  }

  @Override
  public boolean offer(T item) {
    return queue.offer(item);
  }

  @Override
  public CompletableFuture<T> take() {
    return observed(queue.take(), false);
  }

  @Override
  public CompletableFuture<T> take(Duration timeout) {
    return observed(queue.take(timeout), true);
  }

  @Override
  public T poll() {
    return queue.poll();
  }

  @Override
  public void taskDone() {
    queue.taskDone();
  }

  @Override
  public CompletableFuture<Void> join() {
    return relayed(queue.join(), false);
  }

  @Override
  public int size() {
    return queue.size();
  }

  @Override
  public boolean isEmpty() {
    return queue.isEmpty();
  }

  @Override
  public boolean isFull() {
    return queue.isFull();
  }

  @Override
  public int capacity() {
    return queue.capacity();
  }

  @Override
  public int unfinishedTasks() {
    return queue.unfinishedTasks();
  }

  @Override
  public int takers() {
    return queue.takers();
  }

  @Override
  public int putters() {
    return queue.putters();
  }

  @Override
  public void shutdown() {
    queue.shutdown();
  }

  @Override
  public void shutdownNow() {
    queue.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return queue.isShutdown();
  }

  @Override
  public Optional<QueueLevels> sharedQueueLevels() {
    return source.queueLevels(queue);
  }

  @Override
  public String toString() {
    return queue.toString();
  }
}
