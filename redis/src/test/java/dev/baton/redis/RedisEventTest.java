package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events shared by two backends. */
class RedisEventTest {

  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  final RedisBackend one = redis.one();
  final RedisBackend two = redis.two();

  @Test
  void aSetInOneBackendWakesTheWaitersOfTheOtherInOrder() throws Exception {
    AsyncEvent waiting = two.event("catalog-loaded");
    List<Integer> woken = new ArrayList<>();
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int index = i;
      waits.add(waiting.await().thenRun(() -> {
        synchronized (woken) {
          woken.add(index);
        }
      }));
    }
    await().until(() -> waiting.waiters() == 5);
    assertThat(one.event("catalog-loaded").waiters()).as("waiters of this instance only")
        .isZero();
    assertThat(one.event("catalog-loaded").isSet()).isFalse();
    one.event("catalog-loaded").set();
    CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    assertThat(woken).containsExactly(0, 1, 2, 3, 4);
    assertThat(waiting.isSet()).isTrue();
    assertThat(waiting.await()).succeedsWithin(Duration.ofSeconds(5));
    one.event("catalog-loaded").clear();
    assertThat(one.event("catalog-loaded").isSet()).isFalse();
  }

  @Test
  void aWakeUpMissedOnPubSubIsNotTakenBackByALaterClear() throws Exception {
    AsyncEvent waiting = two.event("missed");
    CompletableFuture<Void> wait = waiting.await();
    await().until(() -> waiting.waiters() == 1);
    redis.server().cli("CLIENT", "KILL", "TYPE", "pubsub");
    AsyncEvent setter = one.event("missed");
    setter.set();
    setter.clear();
    assertThat(wait).succeedsWithin(SharedRedis.LEASE.multipliedBy(2));
    assertThat(waiting.isSet()).isFalse();
  }

  @Test
  void aTimedWaitFailsAndIsWithdrawn() {
    AsyncEvent event = one.event("never");
    CompletableFuture<Void> wait = event.await(Duration.ofMillis(100));
    assertThatThrownBy(wait::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    await().until(() -> event.waiters() == 0);
    CompletableFuture<Void> cancelled = event.await();
    cancelled.cancel(false);
    await().until(() -> event.waiters() == 0);
  }

  @Test
  void aClearedEventLeavesNoKeyBehind() {
    AsyncEvent event = one.event("flag");
    event.set(); // returns before Redis ran it; redis-cli's connection may come first
    await().until(() -> redis.server().keys().contains("{baton:event:flag}"));
    event.clear();
    await().until(() -> !"-1".equals(redis.server().cli("PTTL", "{baton:event:flag}")));
    assertThat(Long.parseLong(redis.server().cli("PTTL", "{baton:event:flag}")))
        .as("a cleared event's time to live: one lease").isPositive()
        .isLessThanOrEqualTo(SharedRedis.LEASE.toMillis());
    await().atMost(SharedRedis.LEASE.multipliedBy(2))
        .until(() -> !redis.server().keys().contains("{baton:event:flag}"));
  }

  /** A set event is state: it outlives every lease, unlike a cleared one. */
  @Test
  void aSetEventStaysSetLongerThanALease() {
    AsyncEvent event = one.event("kept");
    event.set();
    await().until(() -> redis.server().keys().contains("{baton:event:kept}"));
    assertThat(redis.server().cli("PTTL", "{baton:event:kept}")).isEqualTo("-1");
    await().during(SharedRedis.LEASE.plusSeconds(1)).atMost(SharedRedis.LEASE.multipliedBy(2))
        .until(() -> redis.server().keys().contains("{baton:event:kept}"));
    assertThat(two.event("kept").isSet()).isTrue();
    event.clear();
  }

  /** A set stays for good also when a clear had given the event's hash a time to live. */
  @Test
  void anEventSetAgainAfterAClearHasNoTimeToLive() {
    AsyncEvent event = one.event("set-again");
    event.set();
    event.clear();
    event.set();
    assertThat(event.isSet()).as("read after the three ran, on the same connection").isTrue();
    assertThat(redis.server().cli("PTTL", "{baton:event:set-again}")).isEqualTo("-1");
    event.clear();
  }

  /** As in core: a timed-out wait is withdrawn before its failure can be seen. */
  @Test
  void aTimedOutWaitNoLongerCountsAsAWaiterWhenItsFailureIsSeen() throws Exception {
    AsyncEvent event = one.event("timed-wait");

    int waitersSeen = event.await(Duration.ofMillis(200)).handle((ok, failure) -> event.waiters())
        .get(5, TimeUnit.SECONDS);

    assertThat(waitersSeen).isZero();
  }

  /**
   * A set and a clear that both ran before an await began: the set's message, still queued on
   * this JVM's callback threads when the await starts, does not wake it. Regression: any set
   * heard before the await had read the event woke it (found by review).
   */
  @Test
  void anAwaitThatBeganAfterASetAndItsClearWaitsForTheNextSet() throws Exception {
    AsyncEvent a = one.event("stale");
    AsyncEvent b = two.event("stale");
    CompletableFuture<Void> first = a.await(); // subscribes this backend to the event's channel
    await().until(() -> redis.server().cli("PUBSUB", "NUMSUB",
        "baton:event-set:{baton:event:stale}").lines().toList().get(1).equals("1"));
    b.set();
    first.get(5, TimeUnit.SECONDS);
    b.clear();
    ThreadPoolExecutor callbacks = (ThreadPoolExecutor) one.callbacks();
    int threads = callbacks.getMaximumPoolSize();
    CountDownLatch busy = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < threads; i++) {
      callbacks.execute(() -> { // user callbacks keep this backend's callback threads busy
        busy.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    busy.await();
    b.set();
    b.clear();
    await().until(() -> callbacks.getQueue().size() >= 1); // the set's message, not handled yet

    CompletableFuture<Void> late = a.await();
    assertThat(a.isSet()).isFalse(); // a round trip behind the await's read, on its connection
    go.countDown();
    await().until(() -> callbacks.getQueue().isEmpty() && callbacks.getActiveCount() == 0);

    assertThat(late).as("an await that began after the set and its clear").isNotDone();
    b.set();
    assertThat(late).succeedsWithin(Duration.ofSeconds(5));
    b.clear();
  }

  /**
   * API.md: set() wakes every waiter; REDIS.md: a wake-up is never taken back by a later clear.
   * An await made (and counted by waiters()) before a set and a clear of the same thread is woken,
   * though its subscription is confirmed only after both ran in Redis (the server paused, as a
   * slow pub/sub connection would). Regression: the await read the event only once subscribed,
   * and took the set's generation for one from before it began (found by review).
   */
  @Test
  void anAwaitMadeBeforeASetAndItsClearIsWoken() throws Exception {
    AsyncEvent event = one.event("pulse"); // not yet subscribed to in this backend
    CompletableFuture<Void> wait;
    redis.server().pause();
    try {
      wait = event.await();
      assertThat(event.waiters()).isOne();
      event.set();
      event.clear();
    } finally {
      redis.server().resume();
    }
    assertThat(event.isSet()).isFalse();
    assertThat(wait).as("an await made before set()")
        .succeedsWithin(SharedRedis.LEASE.multipliedBy(2));
  }

  /** API.md: null arguments throw NullPointerException, on Redis as in core. */
  @Test
  void aNullTimeoutThrowsNullPointerExceptionAndLeavesNoWaiter() {
    AsyncEvent event = one.event("null-timeout");
    assertThatThrownBy(() -> event.await(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThat(event.waiters()).isZero();
  }

  /**
   * API.md: a zero or negative timeout never throws, and a timed-out waiter is withdrawn before
   * its failure is observable.
   */
  @Test
  void aZeroOrNegativeTimeoutWaitTimesOutAtOnceAndNoLongerCountsWhenItsFailureIsSeen()
      throws Exception {
    AsyncEvent event = one.event("zero-timeout");
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      CompletableFuture<Void> wait = event.await(timeout);
      int waitersSeen = wait.handle((ok, failure) -> event.waiters()).get(5, TimeUnit.SECONDS);

      assertThatThrownBy(wait::join).hasCauseInstanceOf(AcquireTimeoutException.class);
      assertThat(waitersSeen).as("waiters() seen by the failure's callback").isZero();
    }
    event.set();
    assertThat(event.await(Duration.ZERO)).succeedsWithin(Duration.ofSeconds(5));
    event.clear();
  }

  /** API.md: a cancelled waiter is withdrawn before its future fails. */
  @Test
  void aCancelledWaitNoLongerCountsAsAWaiterWhenItsCancelIsSeen() {
    AsyncEvent event = one.event("cancelled-wait");
    CompletableFuture<Void> wait = event.await();
    assertThat(event.waiters()).isOne();
    AtomicInteger waitersSeen = new AtomicInteger(-1);
    wait.whenComplete((ok, failure) -> waitersSeen.set(event.waiters()));

    assertThat(wait.cancel(false)).isTrue();

    assertThat(waitersSeen).as("waiters() seen by the cancel's callback").hasValue(0);
    assertThat(event.waiters()).isZero();
  }
}
