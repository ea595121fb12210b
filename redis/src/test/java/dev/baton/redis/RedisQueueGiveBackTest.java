package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Items handed to takes of another JVM that gives them back (its takes cancelled before the
 * items reached them, or its lease run out) return to the queue in the order they were put. The
 * other JVM is played by a pub/sub connection listening on its channel and the queue's scripts.
 */
class RedisQueueGiveBackTest {

  @RegisterExtension
  static final SharedRedis redis = SharedRedis.leavingNothing();

  final RedisBackend one = redis.one();

  @Test
  void itemsGivenBackByTwoCancelledTakesKeepTheirFifoOrderAheadOfLaterItems() throws Exception {
    String[] keys = keys("given-back");
    RedisClient client = RedisClient.create(redis.server().uri());
    try (StatefulRedisPubSubConnection<String, String> other = client.connectPubSub()) {
      other.sync().subscribe(one.keyPrefix() + ":jvm:other");
      AsyncQueue<String> queue = RedisQueueTest.fifo(one, "given-back", 10);
      for (String id : List.of("other:1", "other:2")) {
        assertThat(run(Scripts.QUEUE_TAKE, keys, id, "wait")).isEqualTo(List.of("QUEUED"));
      }
      await().until(() -> queue.takers() == 2);
      queue.put("first").join();
      queue.put("second").join();
      assertThat(queue.takers()).isZero();
      queue.put("third").join(); // queued while the two are handed: they go back ahead of it

      for (String id : List.of("other:1", "other:2")) {
        assertThat(run(Scripts.QUEUE_CANCEL, keys, id)).isEqualTo("RETURNED");
      }
      assertThat(queue.poll()).isEqualTo("first");
      assertThat(queue.poll()).isEqualTo("second");
      assertThat(queue.poll()).isEqualTo("third");
      queue.taskDone();
      queue.taskDone();
      queue.taskDone();
    } finally {
      client.shutdown();
    }
  }

  /**
   * The first script to run after the lease of a dead JVM's take ran out is the one that purges
   * it: an ACK, or a TAKE or PUT sent again after a lost reply (each replying early).
   */
  @ParameterizedTest
  @ValueSource(strings = {"ACK", "TAKE", "PUT"})
  void anItemWhoseTakerStoppedRenewingGoesToAWaitingTakeAtTheNextPurge(String purger)
      throws Exception {
    String name = "lapsed-" + purger;
    String[] keys = keys(name);
    RedisBackend patient = RedisBackend.connect(redis.server().uri(),
        RedisBackendOptions.DEFAULTS.withLease(Duration.ofMinutes(1)));
    try {
      AsyncQueue<String> queue = RedisQueueTest.fifo(patient, name, 10);
      assertThat(run(patient, Scripts.QUEUE_PUT, keys, "live:1", "again", "0", "lapsed"))
          .isEqualTo(List.of("DONE", "C"));
      queue.put("kept").join();
      assertThat(run(Scripts.QUEUE_TAKE, keys, "other:1", "try"))
          .isEqualTo(List.of("ITEM", "lapsed"));
      assertThat(run(patient, Scripts.QUEUE_TAKE, keys, "live:2", "try"))
          .isEqualTo(List.of("ITEM", "kept"));
      CompletableFuture<String> take = queue.take();
      await().until(() -> queue.takers() == 1);
      double lapsedAt = one.await(one.redis().zscore(keys[5], "other:1").toCompletableFuture());
      await().until(() -> one.redisNow() > lapsedAt + 100);

      Object reply = switch (purger) {
        case "ACK" -> run(patient, Scripts.QUEUE_ACK, keys, "0", "live:2");
        case "TAKE" -> run(patient, Scripts.QUEUE_TAKE, keys, "live:2", "wait");
        default -> run(patient, Scripts.QUEUE_PUT, keys, "live:1", "again", "0", "lapsed");
      };
      assertThat(reply).isEqualTo(switch (purger) {
        case "ACK" -> 1L;
        case "TAKE" -> List.of("ITEM", "kept");
        default -> List.of("DONE", "C");
      });
      assertThat(take).as("taken at the %s that gave the item back, not at the next renewal"
              + " (a third of a minute after the patient JVM connected)", purger)
          .succeedsWithin(Duration.ofSeconds(5)).isEqualTo("lapsed");
      run(patient, Scripts.QUEUE_ACK, keys, "0", "live:1", "live:2");
      queue.taskDone();
      queue.taskDone();
      await().until(() -> redis.server().keys().isEmpty());
    } finally {
      patient.close();
    }
  }

  /**
   * A shutdown after a shutdown now leaves it a shutdown now: an item handed to the other JVM's
   * take and given back afterwards is dropped, its task counted done, and not queued again.
   */
  @Test
  void anItemGivenBackAfterAShutdownNowAndAShutdownIsDropped() {
    String[] keys = keys("shut-twice");
    AsyncQueue<String> queue = RedisQueueTest.fifo(one, "shut-twice", 10);
    assertThat(queue.offer("handed")).isTrue();
    assertThat(run(Scripts.QUEUE_TAKE, keys, "other:1", "try"))
        .isEqualTo(List.of("ITEM", "handed"));
    queue.shutdownNow();
    queue.shutdown();
    assertThat(run(Scripts.QUEUE_CANCEL, keys, "other:1")).isEqualTo("RETURNED");
    assertThat(queue.size()).isZero();
    assertThat(queue.unfinishedTasks()).isZero();
    assertThat(redis.server().keys()).containsExactly(keys[0]); // a shut queue stays shut
    redis.server().cli("DEL", keys[0]); // for the tests after this one
  }

  /**
   * An item of a priority queue given back by the other JVM's take goes back to its place by
   * score, behind a better item queued meanwhile.
   */
  @Test
  void anItemOfAPriorityQueueGivenBackKeepsItsPlaceByScore() {
    String[] keys = keys("ranked-back");
    AsyncQueue<String> queue = one.queue("ranked-back",
        QueueSpec.priority(10, String::length), ItemCodec.strings());
    assertThat(queue.offer("worse")).isTrue();
    assertThat(run(one, "priority", Scripts.QUEUE_TAKE, keys, "other:1", "try"))
        .isEqualTo(List.of("ITEM", "worse"));
    assertThat(queue.offer("ok")).isTrue();
    assertThat(run(one, "priority", Scripts.QUEUE_CANCEL, keys, "other:1"))
        .isEqualTo("RETURNED");
    assertThat(queue.poll()).isEqualTo("ok");
    assertThat(queue.poll()).isEqualTo("worse");
    queue.taskDone();
    queue.taskDone();
  }

  /** The keys a queue named {@code name} passes its scripts, in their order. */
  private String[] keys(String name) {
    String tag = "{" + one.keyPrefix() + ":queue:" + name + "}";
    return new String[] {tag + ":meta", tag + ":items", tag + ":data", tag + ":takers",
        tag + ":putters", tag + ":alive", tag + ":handed"};
  }

  private Object run(Scripts script, String[] keys, String... more) {
    return run(one, script, keys, more);
  }

  private Object run(RedisBackend backend, Scripts script, String[] keys, String... more) {
    return run(backend, "fifo", script, keys, more);
  }

  /**
   * Runs {@code script} on a queue of {@code kind} ("fifo", "priority") and capacity 10 as
   * {@code backend}'s JVM would, with its lease.
   */
  private Object run(RedisBackend backend, String kind, Scripts script, String[] keys,
      String... more) {
    String[] args = new String[4 + more.length];
    args[0] = kind;
    args[1] = "10";
    args[2] = Long.toString(backend.redisNow() + 2000);
    args[3] = backend.keyPrefix() + ":queue-done:test";
    System.arraycopy(more, 0, args, 4, more.length);
    return backend.await(script.run(backend.redis(), keys, backend.args(args)));
  }
}
