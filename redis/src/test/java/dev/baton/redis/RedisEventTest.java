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
import java.util.concurrent.TimeUnit;
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
    event.set();
    assertThat(redis.server().keys()).contains("{baton:event:flag}");
    event.clear();
    await().atMost(SharedRedis.LEASE.multipliedBy(2))
        .until(() -> !redis.server().keys().contains("{baton:event:flag}"));
  }

  /** As in core: a timed-out wait is withdrawn before its failure can be seen. */
  @Test
  void aTimedOutWaitNoLongerCountsAsAWaiterWhenItsFailureIsSeen() throws Exception {
    AsyncEvent event = one.event("timed-wait");

    int waitersSeen = event.await(Duration.ofMillis(200)).handle((ok, failure) -> event.waiters())
        .get(5, TimeUnit.SECONDS);

    assertThat(waitersSeen).isZero();
  }
}
