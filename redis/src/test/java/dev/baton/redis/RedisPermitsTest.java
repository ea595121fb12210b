package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Locks and semaphores shared by two backends, each standing for one JVM. */
class RedisPermitsTest {

  @RegisterExtension
  static final SharedRedis redis = SharedRedis.leavingNothing();

  RedisServer server = redis.server();
  RedisBackend one = redis.one();
  RedisBackend two = redis.two();

  @Test
  void aLockExcludesAcrossBackendsAndHandsOverFifo() {
    AsyncLock a = one.lock("orders");
    AsyncLock b = two.lock("orders");
    Permit first = a.acquire().join();
    List<CompletableFuture<Permit>> queued = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      CompletableFuture<Permit> waiting = (i % 2 == 0 ? b : a).acquire();
      int index = i;
      queued.add(waiting.thenApply(p -> {
        synchronized (order) {
          order.add(index);
        }
        return p;
      }));
      await().until(() -> a.waiters() == index + 1);
    }
    assertThat(b.tryAcquire()).isEmpty();
    assertThat(b.isLocked()).isTrue();
    first.release();
    long lastToken = first.token();
    for (int i = 0; i < 6; i++) {
      Permit p = queued.get(i).orTimeout(5, TimeUnit.SECONDS).join();
      assertThat(p.token()).isGreaterThan(lastToken);
      lastToken = p.token();
      for (int j = i + 1; j < 6; j++) {
        assertThat(queued.get(j)).isNotDone();
      }
      p.release();
    }
    assertThat(order).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void aSemaphoreCountsPermitsAcrossBackends() {
    AsyncSemaphore a = one.semaphore("payments", 3);
    AsyncSemaphore b = two.semaphore("payments", 3);
    Permit p1 = a.acquire().join();
    Permit p2 = b.acquire().join();
    assertThat(a.availablePermits()).isEqualTo(1);
    Permit p3 = b.tryAcquire().orElseThrow();
    assertThat(a.tryAcquire()).isEmpty();
    CompletableFuture<Permit> waiting = a.acquire();
    await().until(() -> b.waiters() == 1);
    p2.release();
    Permit p4 = waiting.orTimeout(5, TimeUnit.SECONDS).join();
    assertThat(b.availablePermits()).isZero();
    List.of(p1, p3, p4).forEach(Permit::release);
    await().until(() -> b.availablePermits() == 3);
  }

  @Test
  void anotherPermitCountIsRefusedWhileInUse() {
    Permit held = one.semaphore("limit", 2).acquire().join();
    try {
      assertThatThrownBy(() -> two.semaphore("limit", 5).acquire().join())
          .isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has 2 permits").hasMessageContaining("declares 5");
    } finally {
      held.release();
    }
  }

  @Test
  void aTimedOutWaiterIsWithdrawnAndTheNextOneIsServed() {
    AsyncLock a = one.lock("timed");
    Permit held = a.acquire().join();
    CompletableFuture<Permit> timed = two.lock("timed").acquire(Duration.ofMillis(200));
    CompletableFuture<Permit> patient = a.acquire();
    assertThatThrownBy(timed::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(a.waiters()).as("withdrawn before its failure could be seen").isEqualTo(1);
    held.release();
    patient.orTimeout(5, TimeUnit.SECONDS).join().release();
  }

  /**
   * A timed acquire on a busy lock fails with its timeout once that has run: never before (its
   * deadline reaches Redis in milliseconds), nor long after (its timer counts the whole timeout
   * and no more). Several in a row, so that a wrong deadline that Redis happens to meet within its
   * millisecond cannot pass by chance.
   */
  @Test
  void aTimedAcquireGivesUpOnceItsTimeoutHasRunNotBeforeNorLongAfter() throws Exception {
    AsyncLock a = one.lock("timed-exactly");
    Permit held = a.acquire().join();
    try {
      Duration timeout = Duration.ofMillis(300);
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        CompletableFuture<Permit> timed = two.lock("timed-exactly").acquire(timeout);
        assertThatThrownBy(() -> timed.get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(AcquireTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout);
      }
    } finally {
      held.release();
    }
  }

  @Test
  void aCancelledWaiterNeverHoldsAndTheGrantPassesOn() {
    AsyncLock a = one.lock("cancel");
    Permit held = a.acquire().join();
    CompletableFuture<Permit> cancelled = two.lock("cancel").acquire();
    CompletableFuture<Permit> next = a.acquire();
    await().until(() -> a.waiters() == 2);
    cancelled.cancel(false);
    held.release();
    next.orTimeout(5, TimeUnit.SECONDS).join().release();
    assertThat(two.heldPermits()).isZero();
  }

  /**
   * A grant that Redis made to a waiter whose cancel was already on its way passes on to the next
   * waiter at once, by message: the next waiter's backend has its renewals stalled, so no tick of
   * its own could claim the permit. (The server paused, the release and the cancel reach it
   * together, so the grant falls between them.)
   */
  @Test
  void aGrantToAWaiterCancelledMeanwhileIsHandedToTheNextWaiterByMessage() throws Exception {
    AsyncLock lock = one.lock("handed-on");
    Permit held = lock.acquire().join();
    CompletableFuture<Permit> cancelled = lock.acquire();
    await().until(() -> lock.waiters() == 1);
    CompletableFuture<Permit> next = two.lock("handed-on").acquire();
    await().until(() -> lock.waiters() == 2);
    CountDownLatch timers = RedisFaultsTest.stallRenewals(two);
    try {
      server.pause();
      try {
        held.release();
        assertThat(cancelled.cancel(false)).isTrue();
      } finally {
        server.resume();
      }
      Permit permit = next.get(2, TimeUnit.SECONDS);
      assertThat(permit.token()).isGreaterThan(held.token());
      permit.release();
    } finally {
      timers.countDown();
    }
    assertThat(one.heldPermits()).isZero();
  }

  /**
   * A grant whose message Redis counted as heard but which never arrived (its connection died
   * with the message on its way) reaches the waiter all the same: the waiter's next renewal reads
   * the grant back and delivers it.
   */
  @Test
  void aGrantWhoseMessageIsLostOnItsWayIsDeliveredByTheNextRenewal() throws Exception {
    try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(server.port());
        RedisBackend proxied = RedisBackend.connect(proxy.uri(), RedisBackendOptions.DEFAULTS
            .withLease(SharedRedis.LEASE).withCommandTimeout(Duration.ofSeconds(2)))) {
      AsyncLock lock = one.lock("message-lost");
      Permit held = lock.acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Permit> waiting = proxied.lock("message-lost").acquire();
      await().until(() -> lock.waiters() == 1);
      proxy.swallowMessages();
      held.release();
      await().until(() -> proxy.swallowed() > 0); // the grant's message, heard for Redis
      Permit granted = waiting.get(SharedRedis.LEASE.toMillis() * 2, TimeUnit.MILLISECONDS);
      assertThat(granted.token()).isGreaterThan(held.token());
      granted.release();
    }
  }

  /**
   * A waiter whose instance stopped renewing it (its renewal thread kept busy, as in a long GC
   * pause) leaves the line once its lease runs out, and a release then passes it over for the
   * next live waiter, though its instance still listens for the grant.
   */
  @Test
  void aWaiterUnrenewedForALeaseLeavesTheLineAndIsPassedOver() throws Exception {
    AsyncLock lock = one.lock("unrenewed");
    Permit held = lock.acquire().join();
    CountDownLatch timers = RedisFaultsTest.stallRenewals(two);
    CompletableFuture<Permit> stalled = two.lock("unrenewed").acquire();
    try {
      await().until(() -> lock.waiters() == 1);
      CompletableFuture<Permit> next = lock.acquire();
      await().until(() -> lock.waiters() == 2);
      await().atMost(SharedRedis.LEASE.multipliedBy(2)).until(() -> lock.waiters() == 1);
      held.release();
      Permit permit = next.get(2, TimeUnit.SECONDS);
      assertThat(stalled).isNotDone();
      permit.release();
    } finally {
      stalled.cancel(false);
      timers.countDown();
    }
    await().until(() -> one.heldPermits() + two.heldPermits() == 0);
  }

  /**
   * A release that finds its permit gone from Redis (its keys lost, as to an eviction or a
   * flush, while this instance still counts on its lease) reads as lost: the permit reports it
   * and the instance counts it. The renewals are held back meanwhile, so that only the release
   * can tell.
   */
  @Test
  void aReleaseThatFindsItsPermitGoneFromRedisReadsAsLost() throws Exception {
    RedisPermit held = (RedisPermit) one.lock("vanished").acquire().join();
    long lostBefore = one.lostLeases();
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    one.timers().execute(() -> {
      stalled.countDown();
      try {
        resume.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(one.lock("vanished").isLocked()).isTrue(); // after any renewal sent before
      List<String> keys = server.keys().stream()
          .filter(key -> key.startsWith("{baton:lock:vanished}")).toList();
      assertThat(keys).isNotEmpty();
      List<String> del = new ArrayList<>(List.of("DEL"));
      del.addAll(keys);
      server.cli(del.toArray(String[]::new));
      held.release();
      await().until(held::isLost);
      assertThat(one.lostLeases()).isEqualTo(lostBefore + 1);
    } finally {
      resume.countDown();
    }
  }

  @Test
  void perKeyLocksAreIndependentAndLeaveNoKeys() {
    String longKey = "k".repeat(200);
    Permit a = one.lock("stock", "sku-1").acquire().join();
    Permit b = two.lock("stock", longKey).acquire().join();
    assertThat(two.lock("stock", "sku-1").tryAcquire()).isEmpty();
    assertThat(server.keys()).noneMatch(key -> key.contains(longKey));
    a.release();
    b.release();
  }

  @Test
  void tokensKeepIncreasingAfterTheKeysAreDeleted() {
    Permit first = one.lock("fenced").acquire().join();
    first.release();
    await().until(() -> server.keys().isEmpty());
    Permit second = two.lock("fenced").acquire().join();
    assertThat(second.token()).isGreaterThan(first.token());
    second.release();
  }

  /** A token is Redis time in microseconds (or one more than the last), so it keeps rising. */
  @Test
  void aTokenIsRedisTimeInMicrosecondsAndKeepsIncreasing() {
    long before = server.timeMicros();
    Permit first = one.lock("clocked").acquire().join();
    long after = server.timeMicros();
    assertThat(first.token()).isBetween(before, after);
    first.release();
    long previous = first.token();
    for (int i = 0; i < 50; i++) {
      Permit next = (i % 2 == 0 ? two : one).lock("clocked").acquire().join();
      assertThat(next.token()).isGreaterThan(previous);
      previous = next.token();
      next.release();
    }
  }

  @Test
  void aPermitHeldForSeveralLeasesIsRenewedAndKept() {
    // First an idle renewal tick, with nothing to renew: renewals must go on after it.
    await().during(SharedRedis.LEASE.dividedBy(2)).until(() -> one.heldPermits() == 0);
    Permit held = one.lock("long-hold").acquire().join();
    Duration span = SharedRedis.LEASE.multipliedBy(5).dividedBy(2);
    await().during(span).atMost(span.plusSeconds(2))
        .until(() -> !held.isReleased() && two.lock("long-hold").tryAcquire().isEmpty());
    assertThat(one.lostLeases()).isZero();
    held.release();
  }

  /**
   * A holder whose renewals stall for less than a lease keeps the lock all that time, and its
   * release is a plain one: its lease counts from its grant, a whole lease, as in Redis.
   */
  @Test
  void aHolderWhoseRenewalsStallForLessThanALeaseKeepsTheLockAndReleasesIt() throws Exception {
    Permit held = one.lock("stall-short").acquire().get(5, TimeUnit.SECONDS);
    long lostBefore = one.lostLeases();
    CountDownLatch timers = RedisFaultsTest.stallRenewals(one);
    try {
      Duration wait = SharedRedis.LEASE.multipliedBy(6).dividedBy(10);
      assertThatThrownBy(() -> two.lock("stall-short").acquire(wait).get(5, TimeUnit.SECONDS))
          .as("still held after %s without a renewal", wait)
          .hasCauseInstanceOf(AcquireTimeoutException.class);
      held.release();
    } finally {
      timers.countDown();
    }
    assertThat(((RedisPermit) held).isLost()).isFalse();
    assertThat(one.lostLeases()).isEqualTo(lostBefore);
    two.lock("stall-short").acquire().get(5, TimeUnit.SECONDS).release();
  }

  @Test
  void aSecondReleaseThrowsAndCloseIsQuiet() {
    Permit permit = one.lock("twice").acquire().join();
    permit.release();
    assertThatThrownBy(permit::release).isInstanceOf(IllegalStateException.class);
    permit.close();
    assertThat(permit.isReleased()).isTrue();
  }

  /** Regression: names and keys were joined with a colon as they were, so these were one lock. */
  @Test
  void namesAndKeysWithColonsAreDistinctLocks() throws Exception {
    Permit held = one.lock("orders:eu", "42").acquire().get(5, TimeUnit.SECONDS);
    try {
      assertThat(server.keys()).contains("{baton:lock:orders%3Aeu:42}:holders");
      Permit percent = one.lock("50%:off").acquire().get(5, TimeUnit.SECONDS);
      assertThat(server.keys()).contains("{baton:lock:50%25%3Aoff}:holders");
      percent.release();
      for (AsyncLock other : List.of(one.lock("orders", "eu:42"), one.lock("orders:eu:42"))) {
        Optional<Permit> taken = other.tryAcquire();
        assertThat(taken).as("%s beside lock(\"orders:eu\", \"42\")", other).isPresent();
        taken.get().release();
      }
    } finally {
      held.release();
    }
  }

  /**
   * A name or key up to 64 bytes of UTF-8 is written as it is; a longer one as its SHA-1, so two
   * long names that differ only at their end are still two locks.
   */
  @Test
  void namesAndKeysLongerThan64BytesAreStoredAsTheirSha1() throws Exception {
    String plain = "n".repeat(64);
    String accents = "\u00e9".repeat(33); // 33 characters, 66 bytes
    String longer = "n".repeat(65);
    String longerToo = "n".repeat(64) + "m";
    List<Permit> held = new ArrayList<>();
    for (AsyncLock lock : List.of(one.lock(plain), one.lock(accents), one.lock(longer),
        one.lock(longerToo), one.lock("orders", longer))) {
      held.add(lock.acquire().get(5, TimeUnit.SECONDS));
    }
    try {
      List<String> tags = server.keys().stream().filter(key -> key.endsWith("}:holders"))
          .map(key -> key.substring(0, key.indexOf('}') + 1)).toList();
      assertThat(tags).hasSize(5).contains("{baton:lock:" + plain + "}")
          .contains("{baton:lock:" + sha1(accents) + "}", "{baton:lock:" + sha1(longer) + "}",
              "{baton:lock:" + sha1(longerToo) + "}",
              "{baton:lock:orders:" + sha1(longer) + "}");
      assertThat(server.keys()).noneMatch(key -> key.contains(longer));
    } finally {
      held.forEach(Permit::release);
    }
  }

  private static String sha1(String value) throws Exception {
    return "%sha1-" + java.util.HexFormat.of().formatHex(java.security.MessageDigest
        .getInstance("SHA-1").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /**
   * Every key and channel starts with the key prefix, and backends with another prefix share
   * nothing: the same lock name is another lock.
   */
  @Test
  void everyKeyAndChannelStartsWithTheKeyPrefixAndOtherPrefixesShareNothing() throws Exception {
    RedisBackend shop = RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS
        .withKeyPrefix("shop").withLease(SharedRedis.LEASE));
    try {
      await().atMost(SharedRedis.LEASE.multipliedBy(3)).until(() -> !shop.isQuarantined());
      Permit ours = shop.lock("orders").acquire().get(5, TimeUnit.SECONDS);
      Permit key = shop.lock("stock", "42").acquire().get(5, TimeUnit.SECONDS);
      Permit limit = shop.semaphore("payments", 2).acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Void> loaded = shop.event("loaded").await();
      CompletableFuture<Permit> waiting = shop.lock("orders").acquire();
      await().until(() -> shop.lock("orders").waiters() == 1);

      assertThat(liveKeys()).isNotEmpty().allMatch(k -> k.startsWith("{shop:"), "{shop:...");
      assertThat(server.cli("PUBSUB", "CHANNELS").lines().filter(c -> c.contains(":jvm:")
          || c.contains("event-set"))).filteredOn(c -> !c.startsWith("baton:"))
          .isNotEmpty().allMatch(c -> c.startsWith("shop:"), "shop:...");
      Optional<Permit> theirs = one.lock("orders").tryAcquire();
      assertThat(theirs).as("lock 'orders' under the prefix 'baton'").isPresent();
      theirs.get().release();

      shop.event("loaded").set();
      loaded.get(5, TimeUnit.SECONDS);
      shop.event("loaded").clear();
      ours.release();
      waiting.get(5, TimeUnit.SECONDS).release();
      key.release();
      limit.release();
    } finally {
      shop.close();
    }
    await().atMost(SharedRedis.LEASE.multipliedBy(2)).until(() -> server.keys().isEmpty());
  }

  /** A lock's keys are {prefix:kind:name}: followed by meta, holders, waiters, alive or tokens. */
  @Test
  void aPrimitivesKeysShareItsHashTagAndAreTheDocumentedOnes() throws Exception {
    Permit held = one.lock("layout").acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<Permit> waiting = two.lock("layout").acquire();
    await().until(() -> one.lock("layout").waiters() == 1);
    assertThat(liveKeys()).isNotEmpty().allMatch(
        key -> key.matches("\\{baton:lock:layout\\}:(meta|holders|waiters|alive|tokens)"),
        "{baton:lock:layout}:meta|holders|waiters|alive|tokens")
        .contains("{baton:lock:layout}:holders", "{baton:lock:layout}:waiters");
    held.release();
    waiting.get(5, TimeUnit.SECONDS).release();
  }

  /**
   * README's key layout for every kind in use at once: each key is in its primitive's hash tag
   * and named as documented; an event is one hash named by the tag itself.
   */
  @Test
  void everyKindsKeysAreTheDocumentedOnesInItsHashTag() throws Exception {
    Permit lock = one.lock("layout-all").acquire().get(5, TimeUnit.SECONDS);
    Permit key = one.lock("layout-all", "k").acquire().get(5, TimeUnit.SECONDS);
    Permit permit = one.semaphore("layout-all", 2).acquire().get(5, TimeUnit.SECONDS);
    dev.baton.AsyncCondition condition = one.condition("layout-all");
    CompletableFuture<Permit> signalled =
        condition.await(condition.acquire().get(5, TimeUnit.SECONDS));
    CompletableFuture<Integer> party = one.barrier("layout-all", 2).await();
    dev.baton.AsyncQueue<String> full =
        one.queue("layout-all", QueueSpec.fifo(1), ItemCodec.strings());
    full.put("queued").get(5, TimeUnit.SECONDS);
    CompletableFuture<Void> putting = full.put("waiting");
    dev.baton.AsyncQueue<String> empty =
        two.queue("layout-empty", QueueSpec.fifo(1), ItemCodec.strings());
    CompletableFuture<String> taking = empty.take();
    dev.baton.AsyncEvent event = one.event("layout-all");
    event.set();
    await().until(() -> condition.waiters() == 1 && one.barrier("layout-all", 2).waiting() == 1
        && full.putters() == 1 && empty.takers() == 1);
    try {
      assertThat(liveKeys()).allMatch(k -> k.matches("\\{baton:(lock|semaphore):[^}]+\\}:"
          + "(meta|holders|waiters|alive|tokens)")
          || k.matches("\\{baton:condition:[^}]+\\}:"
              + "(meta|holders|waiters|alive|tokens|cond-queue|cond-live|cond-calls)")
          || k.matches("\\{baton:barrier:[^}]+\\}:(state|arrivals|alive|outcomes|kept)")
          || k.matches("\\{baton:queue:[^}]+\\}:"
              + "(meta|items|data|takers|putters|alive|handed)")
          || k.equals("{baton:event:layout-all}"), "documented")
          .contains("{baton:lock:layout-all}:holders", "{baton:lock:layout-all:k}:holders",
              "{baton:semaphore:layout-all}:holders", "{baton:condition:layout-all}:cond-queue",
              "{baton:barrier:layout-all}:arrivals", "{baton:queue:layout-all}:putters",
              "{baton:queue:layout-empty}:takers", "{baton:event:layout-all}");
    } finally {
      event.clear();
      taking.cancel(false);
      assertThat(full.take().get(5, TimeUnit.SECONDS)).isEqualTo("queued");
      putting.get(5, TimeUnit.SECONDS);
      assertThat(full.take().get(5, TimeUnit.SECONDS)).isEqualTo("waiting");
      full.taskDone();
      full.taskDone();
      party.cancel(false);
      Permit signaller = condition.acquire().get(5, TimeUnit.SECONDS);
      condition.signal();
      signaller.release();
      signalled.get(5, TimeUnit.SECONDS).release();
      List.of(lock, key, permit).forEach(Permit::release);
    }
    await().atMost(SharedRedis.LEASE.multipliedBy(2))
        .until(() -> !server.keys().contains("{baton:event:layout-all}"));
  }

  /**
   * A per-key lock's timeout names the primitive, its family and the timeout, never the key, and
   * so does the lock itself.
   */
  @Test
  void aPerKeyLocksTimeoutNamesItsFamilyAndNeverTheKey() throws Exception {
    String key = "alice@example.com";
    AsyncLock lock = one.lock("accounts", key);
    Permit held = lock.acquire().get(5, TimeUnit.SECONDS);
    try {
      assertThatThrownBy(() -> two.lock("accounts", key).acquire(Duration.ofMillis(200)).join())
          .cause().isInstanceOf(AcquireTimeoutException.class)
          .hasMessage("timed out after PT0.2S waiting for lock 'accounts'")
          .satisfies(e -> assertThat(((AcquireTimeoutException) e).name()).isEqualTo("accounts"));
      assertThat(lock.toString()).doesNotContain(key);
      assertThat(held.toString()).doesNotContain(key);
    } finally {
      held.release();
    }
  }

  /**
   * An instance renews all its permits of a primitive with one call per renewal tick, not one
   * per permit: twenty permits held through three ticks cost about three script calls.
   */
  @Test
  void manyPermitsOfOnePrimitiveAreRenewedWithOneCallPerTick() {
    AsyncSemaphore bulk = one.semaphore("bulk", 20);
    List<Permit> held = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      held.add(bulk.acquire().join());
    }
    server.cli("CONFIG", "RESETSTAT");
    await().atMost(SharedRedis.LEASE.multipliedBy(3)).pollDelay(Duration.ZERO)
        .until(() -> scriptCalls() >= 3);
    assertThat(scriptCalls()).as("script calls over three renewal ticks").isLessThanOrEqualTo(5);
    assertThat(held).noneMatch(Permit::isReleased);
    held.forEach(Permit::release);
  }

  /**
   * Calls that find Baton's library missing together (here a hundred acquires of one lock that
   * Redis, paused meanwhile, runs one after another after a FUNCTION FLUSH) share one load of it
   * per backend, rather than each sending the library's 175 KB, which Redis takes milliseconds to
   * compile; each is then sent again, in the order made, and they are granted in that order.
   */
  @Test
  void callsThatFindTheLibraryMissingTogetherShareOneLoadAndAreSentAgainInOrder()
      throws Exception {
    AsyncLock lock = one.lock("reloaded");
    Permit held = two.lock("reloaded").acquire().get(5, TimeUnit.SECONDS);
    long loadsBefore = calls(server, "function|load");
    long failedBefore = server.commandStat("fcall", "failed_calls");
    server.cli("FUNCTION", "FLUSH");
    List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> acquires = new ArrayList<>();
    server.pause();
    try {
      for (int i = 0; i < 100; i++) {
        int index = i;
        acquires.add(lock.acquire().thenAccept(permit -> {
          order.add(index);
          permit.release();
        }));
      }
    } finally {
      server.resume();
    }
    await().until(() -> lock.waiters() == 100);
    held.release();
    CompletableFuture.allOf(acquires.toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    assertThat(order).as("the order granted").hasSize(100).isSorted();
    assertThat(server.commandStat("fcall", "failed_calls") - failedBefore)
        .as("acquires that met no library").isGreaterThanOrEqualTo(50);
    assertThat(calls(server, "function|load") - loadsBefore)
        .as("libraries loaded (one for each backend at most)").isBetween(1L, 2L);
  }

  /**
   * A server at {@code maxmemory} that refuses writes still runs what gives back and withdraws:
   * a waiter cancelled there is withdrawn and a lock released there is free at once, not a lease
   * later; a put, which stores an item, is refused with Redis's OOM error.
   */
  @Test
  void aServerOutOfMemoryStillTakesReleasesAndWithdrawalsButNoPuts() throws Exception {
    AsyncLock lock = one.lock("out-of-memory");
    Permit held = lock.acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<Permit> waiting = two.lock("out-of-memory").acquire();
    await().until(() -> lock.waiters() == 1);
    server.cli("CONFIG", "SET", "maxmemory", "1");
    try {
      assertThat(waiting.cancel(false)).isTrue();
      held.release();
      await().atMost(SharedRedis.LEASE.dividedBy(3))
          .until(() -> !lock.isLocked() && lock.waiters() == 0);
      assertThat(RedisQueueTest.fifo(one, "out-of-memory", 10).put("item"))
          .failsWithin(Duration.ofSeconds(5)).withThrowableThat().withMessageContaining("OOM");
    } finally {
      server.cli("CONFIG", "SET", "maxmemory", "0");
    }
    two.lock("out-of-memory").acquire().get(5, TimeUnit.SECONDS).release();
  }

  /**
   * Baton keeps its scripts as a function library, which needs Redis 7.0: a server without
   * {@code FUNCTION} (here Redis 7 with the command renamed away, as a Redis 6 answers) fails
   * {@code connect} saying so, rather than as unreachable or at the first call.
   */
  @Test
  void aServerWithoutFunctionsFailsTheConnectSayingRedis7IsNeeded() {
    try (RedisServer old = RedisServer.start("--rename-command", "FUNCTION", "\"\"")) {
      assertThatThrownBy(() -> RedisBackend.connect(old.uri(), RedisBackendOptions.DEFAULTS))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Redis at " + old.uri().getHost())
          .hasMessageContaining("needs Redis 7.0 or later")
          .hasMessageContaining("unknown command");
    }
  }

  /**
   * Redis replicates Baton's library with the data, so a replica promoted by a failover has it
   * already: an instance that connects to it loads nothing, and its calls meet no unknown
   * function, so none is sent again (which could run it after calls sent later).
   */
  @Test
  void aReplicaPromotedByAFailoverHasTheLibraryAlready() throws Exception {
    try (RedisServer primary = RedisServer.start();
        RedisBackend before = RedisBackend.connect(primary.uri(), RedisBackendOptions.DEFAULTS);
        RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1",
            Integer.toString(primary.port()))) {
      await().until(() -> replica.cli("INFO", "replication").contains("master_link_status:up"));
      replica.cli("REPLICAOF", "NO", "ONE");
      try (RedisBackend after = RedisBackend.connect(replica.uri(), RedisBackendOptions.DEFAULTS)) {
        after.event("failed-over").set();
        await().until(() -> calls(replica, "fcall") > 0);
        assertThat(calls(replica, "function|load")).as("libraries loaded into it").isZero();
        assertThat(replica.commandStat("fcall", "failed_calls")).as("its failed FCALLs")
            .isZero();
      }
    }
  }

  /**
   * Redis keeps the library with its data: after a restart that kept the data (here from the
   * snapshot {@code SAVE} wrote), an instance that reconnects finds it there, loads nothing, and
   * its calls meet no unknown function. Without the snapshot, the same restart makes it load the
   * library again.
   */
  @Test
  void aRestartThatKeepsTheDataKeepsTheLibrary() {
    try (RedisServer kept = RedisServer.startedAhead();
        RedisBackend backend = RedisBackend.connect(kept.uri(), RedisBackendOptions.DEFAULTS)) {
      assertThat(kept.cli("SAVE")).isEqualTo("OK");
      kept.restart();
      await().until(() -> {
        backend.event("restarted").set();
        return calls(kept, "fcall") > 0;
      });
      assertThat(calls(kept, "function|load")).as("libraries loaded after the restart").isZero();
      assertThat(kept.commandStat("fcall", "failed_calls")).as("its failed FCALLs").isZero();
    }
  }

  /**
   * An instance renews its permits with one batched call per primitive every renewal tick (a
   * primitive's keys share one hash slot, so no call spans two): one backend alone on its server
   * holds ten locks through three ticks (seen as three new lease ends of one of its permits),
   * which costs ten calls a tick.
   */
  @Test
  void permitsOfManyPrimitivesAreRenewedWithOneBatchedCallPerPrimitivePerTick() {
    try (RedisServer alone = RedisServer.startedAhead()) {
      RedisBackend backend = RedisBackend.connect(alone.uri(),
          RedisBackendOptions.DEFAULTS.withLease(SharedRedis.LEASE));
      try {
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          held.add(backend.lock("renewed-" + i).acquire(SharedRedis.LEASE.multipliedBy(3))
              .join());
        }
        alone.cli("CONFIG", "RESETSTAT");
        RedisPermit first = (RedisPermit) held.get(0);
        java.util.Set<Long> leaseEnds = new java.util.HashSet<>(List.of(first.leaseEnd()));
        await().atMost(SharedRedis.LEASE.multipliedBy(3)).pollInterval(Duration.ofMillis(20))
            .until(() -> leaseEnds.add(first.leaseEnd()) && leaseEnds.size() > 3);
        assertThat(calls(alone, "fcall"))
            .as("script calls over three renewal ticks").isBetween(30L, 35L);
        assertThat(held).noneMatch(Permit::isReleased);
        held.forEach(Permit::release);
      } finally {
        backend.close();
      }
    }
  }

  private static long calls(RedisServer server, String command) {
    return server.commandStat(command, "calls");
  }

  private long scriptCalls() {
    return calls(server, "fcall");
  }

  /** release() returns before Redis has run it, yet this JVM's later reads see it. */
  @Test
  void thisInstancesReadsAfterAReleaseSeeIt() {
    for (int i = 0; i < 20; i++) {
      AsyncLock lock = one.lock("read-own");
      AsyncSemaphore limit = one.semaphore("read-own", 2);
      Permit held = lock.acquire().join();
      Permit permit = limit.acquire().join();
      held.release();
      permit.release();
      assertThat(lock.isLocked()).isFalse();
      assertThat(limit.availablePermits()).isEqualTo(2);
    }
  }

  /**
   * API.md: a cancelled waiter is withdrawn before its future fails; also when its CANCEL must
   * wait for Baton's library to be loaded again (Redis lost it), where waiters() leaves the
   * withdrawn waiter out rather than reading Redis before its CANCEL ran.
   */
  @ParameterizedTest(name = "library lost: {0}")
  @ValueSource(booleans = {false, true})
  void aCancelledWaiterNoLongerCountsAsAWaiterWhenItsCancelIsSeen(boolean libraryLost) {
    AsyncLock lock = one.lock("cancel-seen-" + libraryLost);
    Permit held = lock.acquire().join();
    CompletableFuture<Permit> waiting = lock.acquire();
    await().until(() -> lock.waiters() == 1);
    AtomicInteger waitersSeen = new AtomicInteger(-1);
    waiting.whenComplete((p, failure) -> waitersSeen.set(lock.waiters()));
    if (libraryLost) {
      server.cli("FUNCTION", "FLUSH");
    }

    assertThat(waiting.cancel(false)).isTrue();
    held.release();

    assertThat(waitersSeen).as("waiters() seen by the cancel's callback").hasValue(0);
  }

  /**
   * The keys on the server but the records of permits released by earlier tests, which expire
   * within a lease of their release.
   */
  private List<String> liveKeys() {
    return server.keys().stream().filter(key -> !key.endsWith(":released")).toList();
  }
}
