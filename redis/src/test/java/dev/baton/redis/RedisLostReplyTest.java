package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection drops after Redis ran a call and before its reply arrived: the call fails, and
 * what Redis did for it must be undone once the backend has reconnected, not left to a lease.
 */
class RedisLostReplyTest {

  static final Duration LEASE = Duration.ofSeconds(3);

  RedisServer server;
  ReplyDroppingProxy proxy;
  RedisBackend viaProxy;
  RedisBackend direct;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.start();
    proxy = new ReplyDroppingProxy(server.port());
    RedisBackendOptions options = RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(2));
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
}
