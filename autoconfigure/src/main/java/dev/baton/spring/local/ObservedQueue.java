package dev.baton.spring.local;

import dev.baton.AsyncQueue;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's queue: {@code queue} with its puts and takes reported as waits and its timeouts
 * naming it. Only a timed put or take still pending is relayed; a relayed put or take withdrawn
 * from outside adds or loses no item, as {@link RelayedGrant} withdraws it before it settles.
 */
final class ObservedQueue<T> implements AsyncQueue<T> {

  private final AsyncQueue<T> queue;
  private final WaitSite site;
  private final WaitListeners listeners;

  ObservedQueue(AsyncQueue<T> queue, WaitSite site, WaitListeners listeners) {
    this.queue = queue;
    this.site = site;
    this.listeners = listeners;
  }

  @Override
  public CompletableFuture<Void> put(T item) {
    return listeners.observe(site, queue.put(item));
  }

  @Override
  public CompletableFuture<Void> put(T item, Duration timeout) {
    return RelayedGrant.relay(site, listeners.observe(site, queue.put(item, timeout)));
  }

  @Override
  public boolean offer(T item) {
    return queue.offer(item);
  }

  @Override
  public CompletableFuture<T> take() {
    return listeners.observe(site, queue.take());
  }

  @Override
  public CompletableFuture<T> take(Duration timeout) {
    return RelayedGrant.relay(site, listeners.observe(site, queue.take(timeout)));
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
    return queue.join();
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
  public String toString() {
    return queue.toString();
  }
}
