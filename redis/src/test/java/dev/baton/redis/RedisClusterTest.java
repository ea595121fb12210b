package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import io.lettuce.core.RedisURI;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two backends on a three-node Redis Cluster (no replicas): each primitive in its own slot. */
class RedisClusterTest {

  static final Duration LEASE = Duration.ofSeconds(2);
  static final List<RedisServer> nodes = new ArrayList<>();
  static RedisBackend one;
  static RedisBackend two;
  static List<RedisURI> seeds;
  static RedisBackendOptions options;

  @BeforeAll
  static void startCluster() {
    nodes.addAll(RedisServer.startCluster(3));
    seeds = nodes.stream().map(RedisServer::uri).toList();
    options = RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(2));
    one = RedisBackend.connectCluster(seeds, options);
    two = RedisBackend.connectCluster(seeds, options);
    await().atMost(LEASE.multipliedBy(3)).until(() -> nodes.stream()
        .allMatch(node -> node.uptimeMillis() >= LEASE.toMillis()));
  }

  @AfterAll
  static void stopCluster() {
    one.close();
    two.close();
    nodes.forEach(RedisServer::close);
  }

  /**
   * Connecting loads Baton's library on every primary, not only on the node it first reaches: no
   * node lacks it, and no call on any node met an unknown function and had to be sent again. A
   * cluster that lost it (here by FUNCTION FLUSH on every node) has it loaded again on every
   * primary by the first call that finds it missing, and the calls go on.
   */
  @Test
  void theLibraryIsOnEveryPrimaryFromTheConnectAndAgainOnceLost() throws Exception {
    for (RedisServer node : nodes) {
      assertThat(node.commandStat("fcall", "failed_calls")).as("node %s's failed calls",
          node.port()).isZero();
    }
    assertLibraryOnEveryNode();
    nodes.forEach(node -> node.cli("FUNCTION", "FLUSH"));
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      one.lock("lost-" + name).acquire().get(5, TimeUnit.SECONDS).release();
    }
    assertLibraryOnEveryNode();
  }

  private static void assertLibraryOnEveryNode() {
    for (RedisServer node : nodes) {
      assertThat(node.cli("FUNCTION", "LIST", "LIBRARYNAME", Scripts.library()))
          .as("node %s's libraries", node.port()).contains(Scripts.library());
    }
  }

  /**
   * While a primitive's slot migrates, Redis refuses Baton's calls there with TRYAGAIN (each call
   * names several keys of the slot, some absent on either side): a wait is sent again until the
   * migration ends, then granted as usual, once; one cancelled meanwhile leaves nothing in Redis
   * (no permit granted to nobody: the keys go). Regression: the wait failed at once as
   * unavailable, however soon the migration would end.
   */
  @Test
  void aWaitOnASlotBeingMigratedIsGrantedOnceTheMigrationEnds() throws Exception {
    RedisServer source = nodes.get(0);
    RedisServer target = nodes.get(1);
    String name = source.lockNameServedHere();
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:lock:" + name + "}");
    Permit held = one.lock(name).acquire().get(5, TimeUnit.SECONDS);
    long refusedBefore = refusals();
    migrate(slot, source, target);
    CompletableFuture<Permit> waiting = two.lock(name).acquire();
    CompletableFuture<Permit> cancelled = two.lock(name).acquire();
    await().until(() -> refusals() >= refusedBefore + 10); // refused, sent again, still waiting
    assertThat(waiting).isNotDone();
    cancelled.cancel(false); // while it is being sent again: nothing of it may stay in Redis
    endMigration(slot, source, target);
    assertThat(two.lock(name).tryAcquire()).isEmpty(); // still held by one
    held.release();
    Permit next = waiting.get(10, TimeUnit.SECONDS);
    assertThat(next.token()).isGreaterThan(held.token());
    assertThat(two.heldPermits()).isEqualTo(1);
    assertThat(one.lock(name).tryAcquire()).isEmpty();
    next.release();
    assertThat(cancelled).isCancelled();
    assertThat(two.heldPermits()).isZero();
    assertThat(two.waitingAcquires()).isZero();
    await().until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  /**
   * A slot that stays migrating: a timed wait is sent again until its timeout, then fails as
   * timed out, leaving nothing waiting; a call that does not wait is sent again for one command
   * timeout, then fails as unavailable, quoting the reply; once the slot is stable, calls go on.
   * Regression for the latter: Lettuce's exception reached the caller raw.
   */
  @Test
  void callsToASlotMigratingPastTheirDeadlineFailAsTimedOutOrUnavailable() throws Exception {
    RedisServer source = nodes.get(2);
    RedisServer target = nodes.get(0);
    String name = source.lockNameServedHere();
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:lock:" + name + "}");
    migrate(slot, source, target);
    try {
      long refusedBefore = refusals();
      assertThat(one.lock(name).acquire(Duration.ofMillis(500)))
          .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(AcquireTimeoutException.class);
      assertThat(refusals()).isGreaterThan(refusedBefore + 1);
      assertThat(one.waitingAcquires()).isZero();
      assertThatThrownBy(() -> one.lock(name).tryAcquire())
          .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("TRYAGAIN");
    } finally {
      target.cli("CLUSTER", "SETSLOT", slot, "STABLE");
      source.cli("CLUSTER", "SETSLOT", slot, "STABLE");
    }
    one.lock(name).acquire().get(5, TimeUnit.SECONDS).release();
  }

  /**
   * README: a timed wait on a slot that stays migrating fails with AcquireTimeoutException once
   * its timeout passes; a condition's await too.
   */
  @Test
  void aTimedConditionAwaitOnASlotMigratingFailsAsTimedOut() throws Exception {
    RedisServer source = nodes.get(0);
    RedisServer target = nodes.get(2);
    String name = source.nameServedHere("condition");
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:condition:" + name + "}");
    AsyncCondition condition = one.condition(name);
    Permit held = condition.acquire().get(5, TimeUnit.SECONDS);
    migrate(slot, source, target);
    try {
      assertThat(condition.await(held, Duration.ofMillis(300)))
          .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(AcquireTimeoutException.class);
    } finally {
      target.cli("CLUSTER", "SETSLOT", slot, "STABLE");
      source.cli("CLUSTER", "SETSLOT", slot, "STABLE");
    }
    await().until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  /** Marks {@code slot} as migrating from {@code source} to {@code target}. */
  private static void migrate(String slot, RedisServer source, RedisServer target) {
    target.cli("CLUSTER", "SETSLOT", slot, "IMPORTING", source.cli("CLUSTER", "MYID"));
    source.cli("CLUSTER", "SETSLOT", slot, "MIGRATING", target.cli("CLUSTER", "MYID"));
  }

  /** Moves {@code slot}'s keys from {@code source} to {@code target}, which then owns it. */
  private static void endMigration(String slot, RedisServer source, RedisServer target) {
    String targetId = target.cli("CLUSTER", "MYID");
    List<String> keys = source.cli("CLUSTER", "GETKEYSINSLOT", slot, "100").lines()
        .filter(key -> !key.isBlank()).toList();
    if (!keys.isEmpty()) {
      List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1",
          Integer.toString(target.port()), "", "0", "5000", "KEYS"));
      migrate.addAll(keys);
      assertThat(source.cli(migrate.toArray(String[]::new))).isEqualTo("OK");
    }
    target.cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
    source.cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
  }

  /**
   * A put cancelled while its attempt after a TRYAGAIN is being sent (its wanted check passed,
   * the command not yet written) adds its item only if Redis ran the PUT before the CANCEL, as
   * README says: a cancel that reaches Redis first means its item is never added. The window is
   * widened by the gate: the migration ends and the caller cancels (then reads the queue's size,
   * after its CANCEL on the same connection) between the check and the send. Regression: the
   * CANCEL ran first, found nothing, and the PUT sent after it added the item of a put its
   * caller had cancelled.
   */
  @Test
  void aPutCancelledWhileItIsSentAgainAddsItsItemOnlyIfRedisRanItBeforeTheCancel()
      throws Exception {
    RedisServer source = nodes.get(1);
    RedisServer target = nodes.get(2);
    String name = source.nameServedHere("queue");
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:queue:" + name + "}");
    WidenedGate gate = new WidenedGate();
    try (RedisBackend three = connectThrough(gate)) {
      AsyncQueue<String> queue = RedisQueueTest.fifo(three, name, 10);
      migrate(slot, source, target);
      CompletableFuture<Void> put = queue.put("item"); // refused with TRYAGAIN, sent again
      AtomicInteger sizeAfterCancel = new AtomicInteger(-1);
      Thread canceller = gate.withdrawDuringNextRetry(() -> endMigration(slot, source, target),
          () -> {
            put.cancel(false);
            sizeAfterCancel.set(queue.size());
          }).get(10, TimeUnit.SECONDS);
      canceller.join(10_000);
      int size = queue.size(); // after the PUT sent again, on the same connection
      assertThat(put).isCancelled();
      assertThat(size).as("items once the PUT ran, where %d were once its CANCEL had",
          sizeAfterCancel.get()).isEqualTo(sizeAfterCancel.get());
      if (size == 1) {
        assertThat(queue.poll()).isEqualTo("item");
        queue.taskDone();
      }
    }
    await().until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  /**
   * A barrier's await cancelled while its attempt after a TRYAGAIN is being sent counts toward
   * a trip only if Redis ran the AWAIT before the CANCEL: a cancelled await stops counting. Set
   * up as the put's above, with one party of two waiting elsewhere. Regression: the CANCEL ran
   * first, and the AWAIT sent after it tripped the barrier, releasing the other party with one
   * that had left.
   */
  @Test
  void anAwaitCancelledWhileItIsSentAgainCountsOnlyIfRedisRanItBeforeTheCancel()
      throws Exception {
    RedisServer source = nodes.get(2);
    RedisServer target = nodes.get(1);
    String name = source.nameServedHere("barrier");
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:barrier:" + name + "}");
    AsyncBarrier theirs = two.barrier(name, 2);
    CompletableFuture<Integer> first = theirs.await();
    await().until(() -> theirs.waiting() == 1);
    WidenedGate gate = new WidenedGate();
    try (RedisBackend three = connectThrough(gate)) {
      AsyncBarrier mine = three.barrier(name, 2);
      migrate(slot, source, target);
      CompletableFuture<Integer> leaving = mine.await(); // refused with TRYAGAIN, sent again
      AtomicInteger waitingAfterCancel = new AtomicInteger(-1);
      Thread canceller = gate.withdrawDuringNextRetry(() -> endMigration(slot, source, target),
          () -> {
            leaving.cancel(false);
            waitingAfterCancel.set(mine.waiting());
          }).get(10, TimeUnit.SECONDS);
      canceller.join(10_000);
      int waiting = mine.waiting(); // after the AWAIT sent again, on the same connection
      assertThat(leaving).isCancelled();
      assertThat(waiting).as("parties waiting once the AWAIT ran, where %d were once its"
          + " CANCEL had", waitingAfterCancel.get()).isEqualTo(waitingAfterCancel.get());
      if (waiting == 1) {
        assertThat(theirs.await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
      }
      assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
    }
    await().atMost(LEASE.multipliedBy(3))
        .until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  /** A backend on the cluster whose attempts after a TRYAGAIN go through {@code gate}. */
  private static RedisBackend connectThrough(WidenedGate gate) throws Exception {
    RedisBackend backend = RedisBackend.connectCluster(seeds, options);
    Field tryAgain = RedisBackend.class.getDeclaredField("tryAgain");
    tryAgain.setAccessible(true);
    Field real = TryAgain.class.getDeclaredField("gate");
    real.setAccessible(true);
    gate.real = (TryAgain.Gate) real.get(tryAgain.get(backend));
    tryAgain.set(backend, new TryAgain(backend.timers(), gate));
    return backend;
  }

  /**
   * The backend's gate, through which the next attempt after a TRYAGAIN, once armed, first runs
   * a step ({@code first}) and starts a withdrawal on a thread of its own, then is sent once that
   * withdrawal has ended or waits for this attempt (blocked in Baton's code): the window between
   * the attempt's check that its call is wanted and its send, as wide as a withdrawal.
   */
  private static final class WidenedGate implements TryAgain.Gate {
    volatile TryAgain.Gate real;
    private final AtomicReference<Armed> armed = new AtomicReference<>();

    private record Armed(Runnable first, Runnable withdrawal, CompletableFuture<Thread> sent) {
    }

    /** Completes with the withdrawal's thread once the next attempt has been sent. */
    CompletableFuture<Thread> withdrawDuringNextRetry(Runnable first, Runnable withdrawal) {
      CompletableFuture<Thread> sent = new CompletableFuture<>();
      armed.set(new Armed(first, withdrawal, sent));
      return sent;
    }

    @Override
    public <T> T step(Supplier<T> send) {
      return real.step(() -> {
        Armed next = armed.getAndSet(null);
        if (next == null) {
          return send.get();
        }
        next.first().run();
        Thread withdrawer = RacingWithdrawal.startUntilDoneOrBlocked(next.withdrawal());
        T sent = send.get();
        next.sent().complete(withdrawer);
        return sent;
      });
    }
  }

  /** How many calls the nodes have refused with TRYAGAIN, as INFO errorstats counts them. */
  private static long refusals() {
    return nodes.stream().flatMap(node -> node.cli("INFO", "errorstats").lines())
        .filter(line -> line.startsWith("errorstat_TRYAGAIN:"))
        .mapToLong(line -> Long.parseLong(line.replaceAll("^.*count=(\\d+).*$", "$1"))).sum();
  }

  @Test
  void locksOnEveryNodeHandOverFifoAcrossBackends() throws Exception {
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      AsyncLock mine = one.lock(name);
      Permit held = mine.acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Permit> first = two.lock(name).acquire();
      await().until(() -> mine.waiters() == 1);
      CompletableFuture<Permit> second = one.lock(name).acquire();
      await().until(() -> mine.waiters() == 2);
      held.release();
      Permit next = first.get(5, TimeUnit.SECONDS);
      assertThat(second).isNotDone();
      assertThat(next.token()).isGreaterThan(held.token());
      next.release();
      second.get(5, TimeUnit.SECONDS).release();
    }
    await().until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  @Test
  void semaphoresAndEventsWorkAcrossBackends() throws Exception {
    AsyncSemaphore a = one.semaphore("limit", 2);
    Permit p1 = a.acquire().get(5, TimeUnit.SECONDS);
    Permit p2 = two.semaphore("limit", 2).acquire().get(5, TimeUnit.SECONDS);
    assertThat(two.semaphore("limit", 2).tryAcquire()).isEmpty();
    p1.release();
    p2.release();
    AsyncEvent event = two.event("ready");
    CompletableFuture<Void> wait = event.await();
    await().until(() -> event.waiters() == 1);
    one.event("ready").set();
    wait.get(5, TimeUnit.SECONDS);
    one.event("ready").clear();
  }

  @Test
  void conditionsAndBarriersWorkAcrossBackends() throws Exception {
    AsyncCondition condition = one.condition("queue");
    CompletableFuture<Permit> waiting =
        condition.await(condition.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> condition.waiters() == 1);
    Permit signaller = two.condition("queue").acquire().get(5, TimeUnit.SECONDS);
    two.condition("queue").signal();
    signaller.release();
    waiting.get(5, TimeUnit.SECONDS).release();
    AsyncBarrier barrier = one.barrier("phase", 2);
    CompletableFuture<Integer> first = barrier.await();
    await().until(() -> barrier.waiting() == 1);
    assertThat(two.barrier("phase", 2).await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
    await().atMost(LEASE.multipliedBy(3))
        .until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }
}
