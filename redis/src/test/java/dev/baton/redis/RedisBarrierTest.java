package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncBarrier;
import dev.baton.BrokenBarrierException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Barriers whose parties wait in two backends, each standing for one JVM, and in a child. */
class RedisBarrierTest {

  @RegisterExtension
  static final SharedRedis redis = SharedRedis.leavingNothing();

  RedisServer server = redis.server();
  RedisBackend one = redis.one();
  RedisBackend two = redis.two();

  @Test
  void indicesAreDistinctAndInArrivalOrderAcrossBackendsCycleAfterCycle() throws Exception {
    AsyncBarrier a = one.barrier("stages", 3);
    AsyncBarrier b = two.barrier("stages", 3);
    for (int cycle = 0; cycle < 2; cycle++) {
      AsyncBarrier first = cycle == 0 ? a : b;
      AsyncBarrier second = cycle == 0 ? b : a;
      CompletableFuture<Integer> i0 = first.await();
      await().until(() -> a.waiting() == 1);
      CompletableFuture<Integer> i1 = second.await();
      await().until(() -> b.waiting() == 2);
      assertThat(i0).isNotDone();
      assertThat(first.await().get(5, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(i0.get(5, TimeUnit.SECONDS)).isEqualTo(0);
      assertThat(i1.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(a.waiting()).isZero();
    }
  }

  @Test
  void onePartyNeverWaits() throws Exception {
    assertThat(one.barrier("alone", 1).await().get(5, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void resetBreaksTheOtherBackendsWaitersAndReArms() throws Exception {
    AsyncBarrier a = one.barrier("resets", 2);
    AsyncBarrier b = two.barrier("resets", 2);
    CompletableFuture<Integer> waiting = a.await();
    await().until(() -> b.waiting() == 1);
    b.reset();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokenBarrierException.class).cause()
        .hasMessage("barrier 'resets' on Redis, 2 parties was reset while this party waited");
    assertThat(a.isBroken()).isFalse();
    CompletableFuture<Integer> again = a.await();
    await().until(() -> b.waiting() == 1);
    assertThat(b.await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(again.get(5, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void abortBreaksTheBarrierInEveryBackendUntilReset() throws Exception {
    AsyncBarrier a = one.barrier("aborts", 2);
    AsyncBarrier b = two.barrier("aborts", 2);
    CompletableFuture<Integer> waiting = a.await();
    await().until(() -> b.waiting() == 1);
    b.abort();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokenBarrierException.class).cause()
        .hasMessage("barrier 'aborts' on Redis, 2 parties was aborted while this party waited:"
            + " reset() it before awaiting again");
    assertThat(a.isBroken()).isTrue();
    assertThatThrownBy(() -> a.await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokenBarrierException.class);
    a.reset();
    assertThat(b.isBroken()).isFalse();
  }

  /**
   * A broken barrier is state, like a set event: with no party waiting its key has no time to
   * live and it stays broken past a lease, until a reset, which leaves nothing in Redis.
   */
  @Test
  void anAbortedBarrierStaysBrokenPastALeaseUntilReset() throws Exception {
    AsyncBarrier a = one.barrier("kept-broken", 2);
    a.abort();
    assertThat(redis.server().cli("PTTL", "{baton:barrier:kept-broken}:state")).isEqualTo("-1");
    await().during(SharedRedis.LEASE.plusSeconds(1)).atMost(SharedRedis.LEASE.multipliedBy(2))
        .until(() -> two.barrier("kept-broken", 2).isBroken());
    assertThatThrownBy(() -> two.barrier("kept-broken", 2).await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokenBarrierException.class);
    two.barrier("kept-broken", 2).reset();
    assertThat(a.isBroken()).isFalse();
  }

  /**
   * A barrier's keys, while a party waits, expire one lease after the last lease they record, so
   * that instances that all died leave nothing behind: at most two leases from now.
   */
  @Test
  void theKeysOfABarrierWithAWaitingPartyExpireWithinTwoLeases() throws Exception {
    AsyncBarrier a = one.barrier("expiring", 2);
    CompletableFuture<Integer> first = a.await();
    await().until(() -> a.waiting() == 1);
    assertThat(server.keys()).filteredOn(key -> key.startsWith("{baton:barrier:expiring}"))
        .isNotEmpty().allSatisfy(key -> assertThat(Long.parseLong(server.cli("PTTL", key)))
            .as("time to live of %s", key).isPositive()
            .isLessThanOrEqualTo(SharedRedis.LEASE.multipliedBy(2).toMillis()));
    assertThat(two.barrier("expiring", 2).await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void aCancelledAwaitStopsCounting() throws Exception {
    AsyncBarrier a = one.barrier("cancels", 2);
    CompletableFuture<Integer> cancelled = a.await();
    await().until(() -> a.waiting() == 1);
    cancelled.cancel(false);
    await().until(() -> a.waiting() == 0);
    CompletableFuture<Integer> first = two.barrier("cancels", 2).await();
    await().until(() -> a.waiting() == 1);
    assertThat(a.await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
  }

  /**
   * A cancelled party is withdrawn before its future fails, as API.md asks of every wait; also
   * when its CANCEL must wait for Baton's library to be loaded again (Redis lost it), where
   * waiting() leaves the withdrawn party out rather than reading Redis before its CANCEL ran.
   */
  @ParameterizedTest(name = "library lost: {0}")
  @ValueSource(booleans = {false, true})
  void aCancelledAwaitNoLongerCountsWhenItsCancelIsSeen(boolean libraryLost) {
    AsyncBarrier a = one.barrier("cancel-seen-" + libraryLost, 2);
    CompletableFuture<Integer> cancelled = a.await();
    await().until(() -> a.waiting() == 1);
    AtomicInteger waitingSeen = new AtomicInteger(-1);
    cancelled.whenComplete((index, failure) -> waitingSeen.set(a.waiting()));
    if (libraryLost) {
      server.cli("FUNCTION", "FLUSH");
    }

    assertThat(cancelled.cancel(false)).isTrue();

    assertThat(waitingSeen).as("waiting() seen by the cancel's callback").hasValue(0);
  }

  /**
   * A cancelled party counts toward no trip, even when its CANCEL runs before its AWAIT could:
   * after Redis lost Baton's library (a FUNCTION FLUSH), the AWAIT would be sent again only once
   * its error comes back, after the CANCEL (the library loaded again meanwhile by another
   * instance) found nothing to withdraw. It is not sent again, its party being withdrawn.
   */
  @Test
  void aPartyCancelledBeforeItsFunctionIsLoadedAgainDoesNotCountTowardATrip() throws Exception {
    withdrawnBeforeItsAwaitRan("flushed", party -> assertThat(party.cancel(false)).isTrue());
  }

  /**
   * As above, with the AWAIT's reply handled while the cancel is under way: a cancel withdraws
   * the party before it completes the future, and a cancelling thread descheduled in between (as
   * in a CI run) left the party counted, the reply finding the future not done. That state is set
   * up by hand: the withdrawal run, the future left pending until the end.
   */
  @Test
  void aPartyWhoseAwaitIsAnsweredWhileItsCancelIsUnderWayDoesNotCountTowardATrip()
      throws Exception {
    withdrawnBeforeItsAwaitRan("cancelling",
        party -> ((WithdrawnFirst<Integer>) party).onGiveUp.run());
  }

  /**
   * Makes a party of a barrier of two in a JVM whose AWAIT finds Baton's library gone, has
   * another instance load the library, and gives the party up with {@code giveUp}, which sends
   * its CANCEL; the AWAIT, whose error comes back after it, is not sent again. The party must
   * not stay counted.
   */
  private void withdrawnBeforeItsAwaitRan(String name,
      Consumer<CompletableFuture<Integer>> giveUp) throws Exception {
    try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(server.port());
        RedisBackend proxied = viaProxy(proxy)) {
      AsyncBarrier mine = proxied.barrier(name, 2);
      AsyncBarrier other = two.barrier(name, 2);
      server.cli("FUNCTION", "FLUSH");
      proxy.count(called(Scripts.BARRIER_AWAIT));
      proxy.holdRepliesUntil(called(Scripts.BARRIER_CANCEL)); // the error comes after it
      CompletableFuture<Integer> party = mine.await();
      await().until(() -> proxy.counted() == 1);
      Scripts.load(two.redis()).get(5, TimeUnit.SECONDS);
      giveUp.accept(party);
      proxied.redis().ping().get(5, TimeUnit.SECONDS); // after the AWAIT's error: a load began
      CompletableFuture<Void> resending = Scripts.resending(proxied.redis());
      if (resending != null) {
        resending.get(5, TimeUnit.SECONDS);
      }
      proxied.redis().ping().get(5, TimeUnit.SECONDS); // after an AWAIT sent again, if one was
      assertThat(proxy.counted()).as("AWAITs written: the one that found the library gone, not"
          + " sent again once its party was withdrawn").isEqualTo(1);
      await().alias("the given-up party withdrawn once its AWAIT ran")
          .atMost(SharedRedis.LEASE).until(() -> other.waiting() == 0);
      CompletableFuture<Integer> alone = other.await();
      await().until(() -> other.waiting() == 1);
      assertThat(alone).as("the only party waiting at a barrier of two").isNotDone();
      alone.cancel(false);
      party.cancel(false);
    }
  }

  /** What a command calling {@code script} contains, and the library loading it does not. */
  private static String called(Scripts script) {
    return "\r\n" + script.function() + "\r\n";
  }

  @Test
  void everyJvmMustDeclareTheSameParties() throws Exception {
    CompletableFuture<Integer> waiting = one.barrier("declared", 2).await();
    await().until(() -> one.barrier("declared", 2).waiting() == 1);
    assertThatThrownBy(() -> two.barrier("declared", 3).await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("2 parties")
        .hasMessageContaining("declares 3");
    assertThatThrownBy(() -> one.barrier("declared", 4))
        .isInstanceOf(IllegalStateException.class);
    waiting.cancel(false);
  }

  /** Broken after a party waited: the declaration is kept with the broken state. */
  @Test
  void aBarrierBrokenAfterAPartyWaitedRefusesAnotherPartyCountSayingBoth() throws Exception {
    AsyncBarrier declared = one.barrier("broken-declared", 2);
    CompletableFuture<Integer> waiting = declared.await();
    await().until(() -> declared.waiting() == 1);
    declared.abort();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS));
    assertThatThrownBy(() -> two.barrier("broken-declared", 3).await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("2 parties")
        .hasMessageContaining("declares 3");
    declared.reset();
  }

  /**
   * Broken by an abort before anyone waited: the barrier is broken in Redis (its state stays
   * until reset), so the declaration of the instance that broke it must be there too.
   */
  @Test
  void aBarrierAbortedBeforeAnyPartyWaitedRefusesAnotherPartyCountSayingBoth() throws Exception {
    AsyncBarrier declared = one.barrier("aborted-declared", 2);
    declared.abort();
    assertThatThrownBy(() -> two.barrier("aborted-declared", 3).await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("2 parties")
        .hasMessageContaining("declares 3");
    declared.reset();
  }

  /**
   * An abort or a reset declaring other parties than those waiting fails as an await does, and
   * leaves them waiting; a reset of a broken barrier mends it whatever declaration it keeps: it is
   * the way out for every instance, once the one whose declaration it keeps is set right too.
   */
  @Test
  void aResetOrAbortDeclaringOtherPartiesFailsButAnyResetMendsABrokenBarrier() throws Exception {
    AsyncBarrier declared = one.barrier("break-declared", 2);
    AsyncBarrier other = two.barrier("break-declared", 3);
    CompletableFuture<Integer> waiting = declared.await();
    await().until(() -> declared.waiting() == 1);
    Consumer<ThrowingCallable> refused = call -> assertThatThrownBy(call)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 parties")
        .hasMessageContaining("declares 3");
    refused.accept(other::abort);
    refused.accept(other::reset);
    assertThat(declared.waiting()).isEqualTo(1);
    assertThat(declared.isBroken()).isFalse();
    declared.abort();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokenBarrierException.class);
    refused.accept(other::abort);
    other.reset();
    assertThat(declared.isBroken()).isFalse();
    CompletableFuture<Integer> first = other.await();
    await().until(() -> other.waiting() == 1);
    assertThatThrownBy(() -> declared.await().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("3 parties")
        .hasMessageContaining("declares 2");
    first.cancel(false);
  }

  @Test
  void closingABackendFailsItsAwaitsAndWithdrawsThem() throws Exception {
    RedisBackend leaving = RedisBackend.connect(server.uri(),
        RedisBackendOptions.DEFAULTS.withLease(SharedRedis.LEASE));
    CompletableFuture<Integer> waiting = leaving.barrier("closing", 2).await();
    await().until(() -> one.barrier("closing", 2).waiting() == 1);
    leaving.close();
    assertThat(waiting).isCompletedExceptionally();
    assertThat(one.barrier("closing", 2).waiting()).isZero();
  }

  @Test
  void aPartyLearnsTheTripEvenIfItsPubSubConnectionWasKilled() throws Exception {
    CompletableFuture<Integer> waiting = one.barrier("pubsub", 2).await();
    await().until(() -> two.barrier("pubsub", 2).waiting() == 1);
    server.cli("CLIENT", "KILL", "TYPE", "pubsub");
    assertThat(two.barrier("pubsub", 2).await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(waiting.get(SharedRedis.LEASE.toMillis() * 2, TimeUnit.MILLISECONDS)).isZero();
  }

  /**
   * Pub/sub is at-most-once: a trip's message that Redis counted as heard may never arrive (the
   * connection died with it on its way). The party then learns its index from its renewal, not
   * a failure saying that its generation was lost.
   */
  @Test
  void aPartyWhoseTripMessageIsLostOnItsWayLearnsItsIndex() throws Exception {
    try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(server.port());
        RedisBackend proxied = viaProxy(proxy)) {
      AsyncBarrier mine = proxied.barrier("message-lost", 2);
      CompletableFuture<Integer> first = mine.await();
      await().until(() -> mine.waiting() == 1);
      proxy.swallowMessages();
      assertThat(two.barrier("message-lost", 2).await()).succeedsWithin(Duration.ofSeconds(5))
          .isEqualTo(1);
      await().until(() -> proxy.swallowed() > 0); // the trip's message, heard for Redis
      assertThat(first).as("the first party of a generation that tripped")
          .succeedsWithin(SharedRedis.LEASE.multipliedBy(3)).isEqualTo(0);
    }
  }

  @Test
  void aKilledPartyBreaksTheBarrierWithinTheLease() throws Exception {
    AsyncBarrier a = one.barrier("killed", 3);
    try (ChildJvm child = ChildJvm.start(server, SharedRedis.LEASE, "barrier", "killed", "3")) {
      child.expect("ARRIVED", Duration.ofSeconds(30));
      await().alias("the child's party in Redis; it printed " + child.unread())
          .until(() -> a.waiting() == 1);
      CompletableFuture<Integer> waiting = a.await();
      await().until(() -> a.waiting() == 2);
      long killedAt = System.nanoTime();
      child.kill();
      assertThatThrownBy(() -> waiting.get(SharedRedis.LEASE.toMillis() * 2, TimeUnit.MILLISECONDS))
          .hasCauseInstanceOf(BrokenBarrierException.class);
      assertThat((System.nanoTime() - killedAt) / 1_000_000).as("broken within the lease")
          .isLessThanOrEqualTo(SharedRedis.LEASE.toMillis() + 500);
      assertThat(two.barrier("killed", 3).isBroken()).isTrue();
      two.barrier("killed", 3).reset();
    }
  }

  /** A backend standing for a third JVM, whose connections pass through {@code proxy}. */
  private static RedisBackend viaProxy(ReplyDroppingProxy proxy) {
    return RedisBackend.connect(proxy.uri(), RedisBackendOptions.DEFAULTS
        .withLease(SharedRedis.LEASE).withCommandTimeout(Duration.ofSeconds(2)));
  }
}
