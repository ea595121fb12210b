package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An event's {@code set} and {@code clear} that Redis refuses for a state that passes, here a
 * primary turned into a replica ({@code READONLY}): they ran nothing, are sent again until Redis
 * takes them, and leave the event as the latest change left it. Each test has a server of its own.
 */
class RedisEventRefusedTest {

  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS
      .withLease(Duration.ofSeconds(3)).withCommandTimeout(Duration.ofSeconds(1));

  RedisServer server;
  RedisBackend one;
  RedisBackend two;

  @BeforeEach
  void start() {
    server = RedisServer.startedAhead();
    one = RedisBackend.connect(server.uri(), OPTIONS);
    two = RedisBackend.connect(server.uri(), OPTIONS);
  }

  @AfterEach
  void stop() {
    one.close();
    two.close();
    server.close();
  }

  @Test
  void aRefusedSetIsSentAgainOnceRedisTakesWritesAndWakesTheWaiters() throws Exception {
    AsyncEvent setter = one.event("restocked");
    CompletableFuture<Void> wait = awaitOn(two.event("restocked"));
    refuseWrites();
    setter.set();
    assertThat(setter.isSet()).as("read after the set on its connection: refused").isFalse();
    assertThat(wait).isNotDone();
    takeWrites();
    assertThat(wait).succeedsWithin(Duration.ofSeconds(5));
    assertThat(setter.isSet()).isTrue();
  }

  @Test
  void aRefusedSetThenClearWakeTheWaitersAndLeaveTheEventClear() throws Exception {
    AsyncEvent setter = one.event("restocked");
    CompletableFuture<Void> wait = awaitOn(two.event("restocked"));
    refuseWrites();
    setter.set();
    setter.clear();
    assertThat(setter.isSet()).isFalse();
    assertThat(wait).isNotDone();
    takeWrites();
    assertThat(wait).as("the set happened, so its waiters wake")
        .succeedsWithin(Duration.ofSeconds(5));
    // The clear is sent right after the set that woke the wait, by another thread.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(setter.isSet())
        .as("the clear came last, so the event ends clear").isFalse());
    assertThat(two.event("restocked").await()).isNotDone();
  }

  @Test
  void aRefusedClearIsSentAgainOnceRedisTakesWrites() {
    AsyncEvent event = one.event("restocked");
    event.set();
    refuseWrites();
    event.clear();
    assertThat(event.isSet()).as("read after the clear on its connection: refused").isTrue();
    takeWrites();
    await().atMost(Duration.ofSeconds(5)).until(() -> !event.isSet());
  }

  /** A wait on {@code event}, counted among its waiters once this returns. */
  private static CompletableFuture<Void> awaitOn(AsyncEvent event) {
    CompletableFuture<Void> wait = event.await();
    await().until(() -> event.waiters() == 1);
    return wait;
  }

  /**
   * Turns the server into a replica of a primary that is not there (port 1, which no test server
   * takes: a free port chosen here could be a test server's a moment later, whose data it would
   * then copy): it keeps its data and serves reads, and refuses every write with {@code READONLY}.
   */
  private void refuseWrites() {
    assertThat(server.cli("REPLICAOF", "127.0.0.1", "1")).isEqualTo("OK");
  }

  /** Makes the server a primary again. */
  private void takeWrites() {
    assertThat(server.cli("REPLICAOF", "NO", "ONE")).isEqualTo("OK");
  }
}
