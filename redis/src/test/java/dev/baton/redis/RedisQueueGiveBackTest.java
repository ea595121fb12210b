package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
  void itemsGivenBackByTwoCancelledTakesKeepTheirFifoOrder() throws Exception {
    String tag = "{" + one.keyPrefix() + ":queue:given-back}";
    String[] keys = {tag + ":meta", tag + ":items", tag + ":data", tag + ":takers",
        tag + ":putters", tag + ":alive", tag + ":handed"};
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

      for (String id : List.of("other:1", "other:2")) {
        assertThat(run(Scripts.QUEUE_CANCEL, keys, id)).isEqualTo("RETURNED");
      }
      assertThat(queue.poll()).isEqualTo("first");
      assertThat(queue.poll()).isEqualTo("second");
      queue.taskDone();
      queue.taskDone();
    } finally {
      client.shutdown();
    }
  }

  private Object run(Scripts script, String[] keys, String... more) {
    String[] args = new String[4 + more.length];
    args[0] = "fifo";
    args[1] = "10";
    args[2] = Long.toString(one.redisNow() + 2000);
    args[3] = one.keyPrefix() + ":queue-done:test";
    System.arraycopy(more, 0, args, 4, more.length);
    return one.await(script.run(one.redis(), keys, one.args(args)));
  }
}
