package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.baton.redis.RedisFuzz.SETTLE;
import static dev.baton.redis.RedisFuzz.STRESS;
import static dev.baton.redis.RedisFuzz.jitter;
import static dev.baton.redis.RedisFuzz.settle;
import static dev.baton.redis.RedisFuzz.soon;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import dev.baton.redis.RedisFuzz.Instances;
import dev.baton.redis.RedisFuzz.Workers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Randomized test of a bounded FIFO queue shared by three instances on one redis-server, two of
 * them behind a {@link ReplyDroppingProxy} that keeps dropping, at random, a queue command before
 * it reaches Redis or its reply after Redis ran it. Producers put, put with short timeouts, offer
 * and cancel their puts; consumers take with timeouts, poll, cancel their takes, call
 * {@code taskDone()} for every item they get and start joins. Once quiet, it checks the README's
 * promises for queues: every item whose put succeeded was taken exactly once, no item twice, none
 * whose put timed out or was refused; each producer's items still queued come out in its order;
 * the queue never held more than its capacity and the items given back by takes; every future
 * settled; takers, putters and unfinished tasks are back to zero on every instance, every join
 * completes and Redis holds no key.
 *
 * <p>A failure names its seed ({@link RedisFuzz}: {@code -Dbaton.fuzz.seed} replays it);
 * {@code -Dbaton.stress=N} makes the run N times longer.
 */
class RedisQueueFuzzTest {

  private static final Logger log = LoggerFactory.getLogger(RedisQueueFuzzTest.class);

  private static final int CAPACITY = 3;
  private static final int PRODUCERS = 4;
  private static final int CONSUMERS = 3;
  private static final int ITEMS = 600 * STRESS;
  /** What the faults are aimed at: every command of a queue call. */
  private static final List<String> SCRIPTS = List.of(Scripts.QUEUE_PUT.function(),
      Scripts.QUEUE_TAKE.function(), Scripts.QUEUE_CANCEL.function(), Scripts.QUEUE_ACK.function(),
      Scripts.QUEUE_RENEW.function());

  /** How a put ended. */
  private enum Put { DONE, REFUSED, CANCELLED, FAILED }

  private final Map<String, Put> puts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> taken = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<CompletableFuture<?>> joins = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean producing = new AtomicBoolean(true);
  /** Takes and polls started that have not (yet) received an item. */
  private final AtomicInteger takesWithoutItem = new AtomicInteger();

  @Test
  void itemsAreCarriedExactlyOnceThroughRandomCallsCancelsAndDroppedConnections()
      throws Exception {
    RedisFuzz.once(RedisQueueFuzzTest.class, this::run);
  }

  private void run(long seed) throws Exception {
    try (Instances instances = Instances.start()) {
      List<RedisBackend> backends = instances.backends();
      List<AsyncQueue<String>> queues = backends.stream()
          .map(backend -> RedisQueueTest.fifo(backend, "fuzz", CAPACITY)).toList();
      Workers workers = new Workers(seed);
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < PRODUCERS; p++) {
        int producer = p;
        int on = producer % queues.size();
        producers.add(workers.start("producer-" + p,
            random -> produce(producer, backends.get(on), queues.get(on), random)));
      }
      List<Thread> consumers = new ArrayList<>();
      for (int c = 0; c < CONSUMERS; c++) {
        int on = c % queues.size();
        consumers.add(workers.start("consumer-" + c,
            random -> consume(backends.get(on), queues.get(on), queues, random)));
      }
      Thread faults = workers.start("faults",
          random -> instances.dropAtRandom(SCRIPTS, random, producing::get));
      workers.finish(producers);
      producing.set(false);
      workers.finish(consumers);
      workers.finish(List.of(faults));
      quiesce(instances, queues);
      log.info("seed {}: {} commands or replies dropped; puts {}; {} items taken, of which {}"
          + " put by a put cancelled or failed", seed, instances.proxy().drops(),
          puts.values().stream().collect(Collectors.groupingBy(put -> put,
              Collectors.counting())),
          taken.size(), taken.stream().filter(item -> puts.get(item) == Put.CANCELLED
              || puts.get(item) == Put.FAILED).count());
    }
  }

  // ---- workers ----

  private void produce(int producer, RedisBackend backend, AsyncQueue<String> queue,
      Random random) throws Exception {
    for (int n = 0; n < ITEMS; n++) {
      String item = producer + "-" + n;
      Put outcome = switch (random.nextInt(8)) {
        case 0 -> offer(queue, item);
        case 1 -> outcome(queue.put(item, Duration.ofMillis(random.nextInt(30))));
        case 2 -> {
          CompletableFuture<Void> put = queue.put(item);
          jitter(random);
          put.cancel(true);
          yield outcome(put);
        }
        default -> outcome(queue.put(item));
      };
      puts.put(item, outcome);
      if (outcome == Put.FAILED) {
        reconnected(backend);
      }
    }
  }

  /** Waits, as a client of a dropped connection would, until {@code backend} is connected. */
  private static void reconnected(RedisBackend backend) {
    soon().until(backend::isConnected);
  }

  private static Put offer(AsyncQueue<String> queue, String item) {
    try {
      return queue.offer(item) ? Put.DONE : Put.REFUSED;
    } catch (RedisUnavailableException e) {
      return Put.FAILED;
    }
  }

  /** How {@code put} ended, once it has. */
  private Put outcome(CompletableFuture<Void> put) throws Exception {
    Throwable failure = settle(put, "a put");
    if (failure == null) {
      return Put.DONE;
    } else if (failure instanceof AcquireTimeoutException) {
      return Put.REFUSED;
    } else if (failure instanceof CancellationException) {
      return Put.CANCELLED;
    } else if (failure instanceof RedisUnavailableException) {
      return Put.FAILED;
    }
    throw new AssertionError("a put failed unexpectedly", failure);
  }

  private void consume(RedisBackend backend, AsyncQueue<String> mine,
      List<AsyncQueue<String>> queues, Random random) throws Exception {
    while (producing.get()) {
      int op = random.nextInt(10);
      if (op == 0) {
        takesWithoutItem.incrementAndGet();
        try {
          String item = mine.poll();
          if (item != null) {
            takesWithoutItem.decrementAndGet();
          }
          received(item, queues);
        } catch (RedisUnavailableException e) {
          reconnected(backend); // its item, if any, is given back (RedisLostReplyTest)
        }
      } else if (op == 1) {
        joins.add(queues.get(random.nextInt(queues.size())).join());
      } else if (op == 2) {
        // README, Queues: "a queue may hold more than its capacity by the items given back",
        // which only takes that got no item give: at most capacity plus those takes.
        int size = queues.get(0).size();
        int bound = CAPACITY + takesWithoutItem.get();
        if (size > bound) {
          violations.add("size " + size + " over the capacity " + CAPACITY + " and the "
              + (bound - CAPACITY) + " takes that may have given an item back");
        }
      } else {
        takesWithoutItem.incrementAndGet();
        CompletableFuture<String> take = mine.take(Duration.ofMillis(1 + random.nextInt(200)));
        if (op == 3) {
          jitter(random);
          take.cancel(true);
        }
        Throwable failure = settle(take, "a take");
        if (failure == null) {
          takesWithoutItem.decrementAndGet();
          received(take.join(), queues);
        } else if (failure instanceof RedisUnavailableException) {
          reconnected(backend);
        } else if (!(failure instanceof AcquireTimeoutException
            || failure instanceof CancellationException)) {
          throw new AssertionError("a take failed unexpectedly", failure);
        }
      }
    }
  }

  /** Records an item received, if any, and counts its task done (on the faultless instance). */
  private void received(String item, List<AsyncQueue<String>> queues) {
    if (item != null) {
      taken.add(item);
      try {
        queues.get(0).taskDone();
      } catch (IllegalStateException e) {
        violations.add("taskDone() for " + item + " refused: " + e.getMessage());
      }
    }
  }

  // ---- the checks once quiet ----

  private void quiesce(Instances instances, List<AsyncQueue<String>> queues) throws Exception {
    instances.connected();
    await().atMost(SETTLE).untilAsserted(() -> {
      for (AsyncQueue<String> queue : queues) {
        assertThat(queue.takers()).as("takers of %s", queue).isZero();
        assertThat(queue.putters()).as("putters of %s", queue).isZero();
      }
    });
    List<String> drained = new ArrayList<>();
    // Items handed to a call that failed come back once its withdrawal reaches Redis.
    await().atMost(SETTLE).until(() -> {
      for (String item = queues.get(0).poll(); item != null; item = queues.get(0).poll()) {
        drained.add(item);
        received(item, queues);
      }
      return instances.server().keys().isEmpty();
    });
    for (AsyncQueue<String> queue : queues) {
      assertThat(queue.unfinishedTasks()).as("unfinished tasks of %s", queue).isZero();
      queue.join().get(SETTLE.toSeconds(), TimeUnit.SECONDS);
    }
    for (CompletableFuture<?> join : joins) {
      Throwable failure = settle(join, "a join");
      if (failure != null && !(failure instanceof RedisUnavailableException)) {
        throw new AssertionError("a join failed unexpectedly", failure);
      }
    }
    assertItems(drained);
    assertThat(violations).isEmpty();
  }

  private void assertItems(List<String> drained) {
    Set<String> once = new HashSet<>();
    List<String> twice = taken.stream().filter(item -> !once.add(item)).toList();
    assertThat(twice).as("items taken twice (how their puts ended: %s)",
        twice.stream().map(puts::get).toList()).isEmpty();
    Map<Put, Set<String>> byOutcome = puts.entrySet().stream().collect(Collectors.groupingBy(
        Map.Entry::getValue, Collectors.mapping(Map.Entry::getKey, Collectors.toSet())));
    assertThat(once).as("items taken whose put succeeded")
        .containsAll(byOutcome.getOrDefault(Put.DONE, Set.of()));
    // A put that timed out is withdrawn before it fails, and one committed first counts as done
    // (RedisQueue.timeOut); an offer refused added nothing.
    assertThat(once).as("items taken whose put timed out or was refused")
        .doesNotContainAnyElementsOf(byOutcome.getOrDefault(Put.REFUSED, Set.of()));
    // README, Queues: "a cancel that reaches Redis first means its item is never added, a commit
    // that got there first means the put counts as done": a cancelled put's item may be taken
    // (once, checked above); and "one that failed with RedisUnavailableException may have added
    // its item, once".
    assertThat(puts.keySet()).as("items taken that were never put").containsAll(once);
    for (int p = 0; p < PRODUCERS; p++) {
      String prefix = p + "-";
      List<Integer> order = drained.stream().filter(item -> item.startsWith(prefix))
          .map(item -> Integer.parseInt(item.substring(prefix.length()))).toList();
      assertThat(order).as("producer %d's items left queued, in the order taken", p).isSorted();
    }
  }
}
