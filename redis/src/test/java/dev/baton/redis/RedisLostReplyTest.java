package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection drops after Redis ran a call and before its reply arrived: the call fails, and
 * what Redis did for it must be undone once the backend has reconnected, not left to a lease.
 * Or it drops before the call reached Redis: what the call was to do must still be done.
 */
class RedisLostReplyTest {

  static final Duration LEASE = Duration.ofSeconds(3);

  RedisServer server;
  ReplyDroppingProxy proxy;
  RedisBackend viaProxy;
  RedisBackend direct;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.startedAhead();
    proxy = new ReplyDroppingProxy(server.port());
    RedisBackendOptions options = RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(1));
    viaProxy = RedisBackend.connect(proxy.uri(), options);
    direct = RedisBackend.connect(server.uri(), options);
    await().atMost(LEASE.multipliedBy(3)).until(() -> !direct.isQuarantined());
  }

  @AfterEach
  void stop() throws Exception {
    viaProxy.close();
    direct.close();
    proxy.close();
    server.close();
  }

  @Test
  void anAcquireGrantedButFailedByADroppedConnectionLeavesTheLockFreeAfterTheReconnect() {
    proxy.dropReplyTo("lock:dropped");
    assertThatThrownBy(() -> viaProxy.lock("dropped").acquire(Duration.ofSeconds(5))
        .get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    assertThat(viaProxy.heldPermits()).isZero();
    await().until(viaProxy::isConnected);
    // Nobody holds the lock: it must not stay taken until the lease of a grant nobody got.
    await().atMost(LEASE.dividedBy(3)).until(() -> {
      Optional<Permit> permit = direct.lock("dropped").tryAcquire();
      permit.ifPresent(Permit::release);
      return permit.isPresent();
    });
  }

  /** As an acquire: a tryAcquire that Redis granted but whose reply was lost holds nothing. */
  @Test
  void aTryAcquireGrantedButFailedByADroppedConnectionLeavesTheLockFreeAfterTheReconnect() {
    proxy.dropReplyTo("lock:dropped-try");
    assertThatThrownBy(() -> viaProxy.lock("dropped-try").tryAcquire())
        .isInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    assertThat(viaProxy.heldPermits()).isZero();
    await().until(viaProxy::isConnected);
    await().atMost(LEASE.dividedBy(3)).until(() -> {
      Optional<Permit> permit = direct.lock("dropped-try").tryAcquire();
      permit.ifPresent(Permit::release);
      return permit.isPresent();
    });
  }

  /** As an acquire: a semaphore's permit granted to a lost reply passes on after reconnecting. */
  @Test
  void aSemaphoreAcquireGrantedButFailedByADroppedConnectionGivesItsPermitBack() {
    proxy.dropReplyTo("semaphore:dropped-permit");
    assertThatThrownBy(() -> viaProxy.semaphore("dropped-permit", 1)
        .acquire(Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    await().until(viaProxy::isConnected);
    await().atMost(LEASE.dividedBy(3))
        .until(() -> direct.semaphore("dropped-permit", 1).availablePermits() == 1);
  }

  @Test
  void aPollHandedAnItemButFailedByADroppedConnectionLeavesTheItemQueuedAfterTheReconnect() {
    AsyncQueue<String> mine = RedisQueueTest.fifo(viaProxy, "dropped-poll", 10);
    AsyncQueue<String> theirs = RedisQueueTest.fifo(direct, "dropped-poll", 10);
    theirs.put("only").join();
    proxy.dropReplyTo("$3\r\ntry\r\n");
    assertThatThrownBy(mine::poll).isInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    await().until(viaProxy::isConnected);
    // The poll failed, so nobody has the item: it must be back in the queue, not handed to the
    // failed poll until a lease has passed.
    await().atMost(LEASE.dividedBy(3)).until(() -> "only".equals(theirs.poll()));
    theirs.taskDone();
  }

  @Test
  void anItemWhoseAcknowledgementNeverReachedRedisIsNotHandedOutAgain() throws Exception {
    AsyncQueue<String> mine = RedisQueueTest.fifo(viaProxy, "unacknowledged", 10);
    AsyncQueue<String> theirs = RedisQueueTest.fifo(direct, "unacknowledged", 10);
    theirs.put("only").join();
    proxy.dropCommand(Scripts.QUEUE_ACK.function());
    assertThat(mine.take().get(5, TimeUnit.SECONDS)).isEqualTo("only");
    await().until(proxy::dropped);
    await().until(viaProxy::isConnected);
    // The take got its item: it is gone for good, not back in the queue once the lease of the
    // hand-off runs out, to be taken a second time.
    await().during(LEASE.plusSeconds(1)).atMost(LEASE.multipliedBy(2))
        .until(() -> theirs.poll() == null);
    mine.taskDone();
  }

  /**
   * A put that went straight into the queue but whose reply came after its timeout: the CANCEL
   * that the timeout sent finds nothing to withdraw, and the put counts as done, its item queued.
   */
  @Test
  void aPutDoneInRedisBeforeItsTimeoutWasHeardCountsAsDone() throws Exception {
    AsyncQueue<String> mine = RedisQueueTest.fifo(viaProxy, "late-reply", 10);
    AsyncQueue<String> theirs = RedisQueueTest.fifo(direct, "late-reply", 10);
    proxy.holdRepliesUntil(Scripts.QUEUE_CANCEL.function());
    CompletableFuture<Void> put = mine.put("late", Duration.ofMillis(200));
    assertThat(put).succeedsWithin(Duration.ofSeconds(5));
    assertThat(theirs.poll()).isEqualTo("late");
    theirs.taskDone();
  }

  /**
   * A put that timed out waiting for room, whose withdrawal a dropped connection lost: Redis may
   * still commit it before the CANCEL sent again reaches it, so the put must not fail as timed
   * out (which says its item was not added) but as unavailable (which leaves it open).
   */
  @Test
  void aTimedOutPutWhoseWithdrawalWasLostFailsAsUnavailable() throws Exception {
    AsyncQueue<String> mine = RedisQueueTest.fifo(viaProxy, "lost-withdrawal", 1);
    AsyncQueue<String> theirs = RedisQueueTest.fifo(direct, "lost-withdrawal", 1);
    theirs.put("first").join();
    proxy.dropCommand(Scripts.QUEUE_CANCEL.function());
    CompletableFuture<Void> put = mine.put("second", Duration.ofMillis(200));
    assertThat(put).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(
        ExecutionException.class).withCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    assertThat(theirs.take().get(5, TimeUnit.SECONDS)).isEqualTo("first");
    theirs.taskDone();
  }

  @Test
  void aReleaseThatNeverReachedRedisLeavesTheLockFreeAfterTheReconnect() throws Exception {
    RedisPermit permit =
        (RedisPermit) viaProxy.lock("unsent").acquire().get(5, TimeUnit.SECONDS);
    proxy.dropCommand(Scripts.RELEASE.function());
    permit.release();
    await().until(proxy::dropped);
    // The holder released it in time: the lock must not stay taken, by nobody, until its lease
    // runs out, and the release is no lost lease.
    await().atMost(LEASE.dividedBy(3)).until(() -> {
      Optional<Permit> theirs = direct.lock("unsent").tryAcquire();
      theirs.ifPresent(Permit::release);
      return theirs.isPresent();
    });
    assertThat(permit.isLost()).isFalse();
    assertThat(viaProxy.lostLeases()).isZero();
  }

  @Test
  void aReleaseThatRanButWhoseReplyWasLostIsNoLostLease() throws Exception {
    RedisPermit permit =
        (RedisPermit) viaProxy.lock("released").acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<Permit> next = direct.lock("released").acquire();
    await().until(() -> direct.lock("released").waiters() == 1);
    proxy.dropReplyTo(Scripts.RELEASE.function());
    permit.release();
    Permit theirs = next.get(5, TimeUnit.SECONDS);
    await().until(proxy::dropped);
    await().until(viaProxy::isConnected);
    // Redis released it in time and handed it on: whatever the backend does about the lost
    // reply, the permit did not lose its lease, nor is the next holder's permit touched.
    await().during(LEASE.dividedBy(2)).atMost(LEASE)
        .until(() -> !permit.isLost() && viaProxy.lostLeases() == 0);
    assertThat(direct.lock("released").isLocked()).isTrue();
    theirs.release();
  }

  /**
   * A condition wait that Redis queued but whose reply was lost fails, and the CANCEL it sends at
   * once cannot reach Redis while the connection is down: it must be sent again on reconnecting,
   * not leave a wait that nobody awaits to take a signal (and then the lock) for a lease.
   */
  @Test
  void aConditionWaitFailedByADroppedConnectionIsWithdrawnAfterTheReconnect() throws Exception {
    AsyncCondition mine = viaProxy.condition("dropped-wait");
    Permit held = mine.acquire().get(5, TimeUnit.SECONDS);
    proxy.dropReplyTo(Scripts.CONDITION_AWAIT.function());
    assertThat(mine.await(held)).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    await().until(viaProxy::isConnected);
    AsyncCondition theirs = direct.condition("dropped-wait");
    await().atMost(LEASE.dividedBy(3)).until(() -> theirs.waiters() == 0);
  }

  /**
   * A condition wait whose AWAIT never reached Redis: the permit it was to give up is still held
   * there, and the CANCEL that releases it must be sent again once the backend has reconnected.
   */
  @Test
  void aConditionWaitThatNeverReachedRedisLeavesTheLockFreeAfterTheReconnect() throws Exception {
    AsyncCondition mine = viaProxy.condition("unsent-wait");
    Permit held = mine.acquire().get(5, TimeUnit.SECONDS);
    proxy.dropCommand(Scripts.CONDITION_AWAIT.function());
    assertThat(mine.await(held)).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    await().until(viaProxy::isConnected);
    await().atMost(LEASE.dividedBy(3)).until(() -> {
      Optional<Permit> theirs = direct.condition("unsent-wait").lock().tryAcquire();
      theirs.ifPresent(Permit::release);
      return theirs.isPresent();
    });
  }

  /**
   * A barrier party that Redis counted but whose reply was lost fails, and its CANCEL must be
   * sent again once the backend has reconnected: a failed party stops counting (README:
   * "Cancelling or timing out a waiting call withdraws its waiter from Redis"), rather than
   * counting toward a trip for a lease and then breaking the barrier.
   */
  @Test
  void aBarrierPartyFailedByADroppedConnectionStopsCountingAfterTheReconnect() {
    proxy.dropReplyTo(Scripts.BARRIER_AWAIT.function());
    assertThat(viaProxy.barrier("dropped-party", 2).await()).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RedisUnavailableException.class);
    assertThat(proxy.dropped()).isTrue();
    await().until(viaProxy::isConnected);
    AsyncBarrier theirs = direct.barrier("dropped-party", 2);
    await().atMost(LEASE.dividedBy(3)).until(() -> theirs.waiting() == 0);
    assertThat(theirs.isBroken()).isFalse();
  }

  /**
   * A timed condition wait whose timeout came before the reply of its AWAIT: the timeout has
   * withdrawn it, so the late reply must not leave it among the waits this JVM renews, where the
   * next renewal finds it unknown to Redis and "wakes" it: a WARN about a lost lease or lost data,
   * and an acquire of the lock for a wait that has ended.
   */
  @Test
  void aConditionWaitTimedOutBeforeItsAwaitRepliedIsNotRenewedAfterwards() throws Exception {
    RedisCondition mine = (RedisCondition) viaProxy.condition("late-wait");
    Permit held = mine.acquire().get(5, TimeUnit.SECONDS);
    proxy.holdRepliesUntil(Scripts.CONDITION_CANCEL.function());
    assertThat(mine.await(held, Duration.ofMillis(100))).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(AcquireTimeoutException.class);
    Permit theirs = direct.condition("late-wait").acquire().get(5, TimeUnit.SECONDS);
    // Nothing of this JVM waits on the condition: a renewal has nothing to send (-1), where a
    // renewed wait would get the lock's next expiry, theirs, and "wake" as unknown to Redis.
    assertThat(mine.renew(viaProxy.redisNow())).succeedsWithin(Duration.ofSeconds(5))
        .isEqualTo(-1L);
    theirs.release();
  }
}
