package dev.baton.spring.observation;

import java.util.concurrent.CompletableFuture;

/**
 * The calls that will set one event of a registry, and its waits, for the stall view: a call
 * running a method annotated {@code @SetsEvent} for the event promises to set it from the
 * method's start until its result completes. A wait for the event can end when one of those
 * calls can proceed; with none, the wait depends on code Baton does not see, and a long one is a
 * stall. The promises are kept as the event's {@link LiveHolds}, one {@link Hold} each, so the
 * stall view reads them as it reads a lock's holders.
 */
public final class EventSetters {

  private final WaitSite site;
  private final WaitWatch watch;
  private final LiveHolds promises = LiveHolds.of(false, true);

  /** @param watch the stall view, told about every wait for the event left pending */
  public EventSetters(WaitSite site, WaitWatch watch) {
    this.site = site;
    this.watch = watch;
  }

  /** The promises to set the event, by call, still running. */
  public LiveHolds promises() {
    return promises;
  }

  /** The current call promises to set the event until the returned promise is closed. */
  public Promise promise() {
    return new Promise(CurrentCall.get());
  }

  /**
   * Watches {@code wait}, a wait for the event by the current call: handed on as it is if done,
   * else known to the stall view until it settles.
   *
   * @param timed whether {@code wait} ends by itself after a timeout
   */
  public CompletableFuture<Void> watch(CompletableFuture<Void> wait, boolean timed) {
    if (wait.isDone() && !wait.isCompletedExceptionally()) {
      return wait;
    }
    return new EventWait(CurrentCall.get(), timed).relay(wait);
  }

  /** A wait for the event, known to the stall view until it settles. */
  private final class EventWait extends PlainWait implements WatchedWait<Void, Void> {

    EventWait(Call call, boolean timed) {
      super(call, timed);
    }

    @Override
    public WaitSite site() {
      return site;
    }

    @Override
    public LiveHolds holders() {
      return promises;
    }

    @Override
    public WaitWatch watch() {
      return watch;
    }

    @Override
    public Void handOn(Void granted) {
      return granted;
    }
  }

  /** One call's promise to set the event, kept until closed; closing twice is harmless. */
  public final class Promise extends Hold implements AutoCloseable {
    private final Call call;
    private volatile boolean closed;

    private Promise(Call call) {
      super(null);
      this.call = call;
      promises.add(this);
    }

    @Override
    public Call call() {
      return call;
    }

    @Override
    public WaitSite site() {
      return site;
    }

    @Override
    public LiveHolds listedIn() {
      return promises;
    }

    @Override
    public boolean lasts() {
      return !closed;
    }

    @Override
    public void close() {
      closed = true;
      promises.remove(this);
    }
  }
}
