package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A waiting call that is sent again, after Redis forgot it or after Baton's library was loaded
 * again, while its caller withdraws it: the command sent again runs in Redis before the
 * withdrawal's CANCEL, or is not sent. The window between the check that the call still waits
 * and the write of its command is widened by {@link WidenedWrites}, which runs the withdrawal
 * on a thread of its own as the command is about to be written, and writes it once that
 * withdrawal has ended or waits for the write (blocked in Baton's code). Each test has a server
 * of its own.
 */
class RedisResendRacesTest {

  static final Duration LEASE = Duration.ofMillis(1500);

  RedisServer server;
  RedisBackend one;
  WidenedWrites writes;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.startedAhead();
    one = RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(1)));
    writes = WidenedWrites.install(one);
  }

  @AfterEach
  void stop() {
    one.close();
    server.close();
  }

  /**
   * A waiting put that Redis forgot (here its queue's keys are deleted, the queue left with room)
   * is sent again by the next renewal; cancelled as that PUT is being sent, it adds its item only
   * if Redis ran the PUT before the CANCEL, as README says: a cancel that reaches Redis first
   * means its item is never added. Regression: the renewal checked that the put waited, the
   * CANCEL was sent and found nothing, and the PUT sent after it added the item of a put its
   * caller had cancelled.
   */
  @Test
  void aPutCancelledWhileItIsSentAgainAfterRedisForgotItAddsItsItemOnlyIfRedisRanItFirst()
      throws Exception {
    await().atMost(LEASE.multipliedBy(3)).until(() -> !one.isQuarantined());
    AsyncQueue<String> queue = RedisQueueTest.fifo(one, "forgot", 1);
    queue.put("first").join();
    CompletableFuture<Void> put = queue.put("second");
    await().until(() -> queue.putters() == 1);
    AtomicInteger sizeAfterCancel = new AtomicInteger(-1);
    CompletableFuture<Thread> sent = writes.withdrawDuringNext(
        args -> args.contains("again") && args.contains("second"), () -> {
          put.cancel(false);
          sizeAfterCancel.set(queue.size()); // after its CANCEL, on the same connection
        });
    List<String> del = new ArrayList<>(List.of("DEL"));
    server.keys().stream().filter(key -> key.startsWith("{baton:queue:forgot}")).forEach(del::add);
    server.cli(del.toArray(String[]::new)); // Redis forgets the queue, its item and the put
    Thread withdrawer = sent.get(LEASE.toMillis() * 3, TimeUnit.MILLISECONDS);
    withdrawer.join(10_000);
    int size = queue.size(); // after the PUT sent again, on the same connection
    assertThat(put).isCancelled();
    assertThat(size).as("items once the PUT sent again ran, where %d were once its CANCEL had",
        sizeAfterCancel.get()).isEqualTo(sizeAfterCancel.get());
    if (size == 1) {
      assertThat(queue.poll()).isEqualTo("second");
      queue.taskDone();
    }
    await().atMost(LEASE.multipliedBy(3)).until(() -> server.keys().isEmpty());
  }

  /**
   * The commands of a backend, through which the next script call whose arguments match, once
   * armed, first starts a withdrawal on a thread of its own, then is written once that withdrawal
   * has ended or waits for this write (blocked in Baton's code). Only the timing of writes is
   * changed: every command reaches the backend's own connection, in the order written.
   */
  static final class WidenedWrites {
    private final AtomicReference<Armed> armed = new AtomicReference<>();

    private record Armed(Predicate<List<String>> matches, Runnable withdrawal,
        CompletableFuture<Thread> sent) {
    }

    /** Replaces {@code backend}'s commands with ones that go through a new WidenedWrites. */
    @SuppressWarnings("unchecked")
    static WidenedWrites install(RedisBackend backend) throws Exception {
      WidenedWrites writes = new WidenedWrites();
      Field field = RedisBackend.class.getDeclaredField("redis");
      field.setAccessible(true);
      Object real = field.get(backend);
      Object widened = Proxy.newProxyInstance(WidenedWrites.class.getClassLoader(),
          new Class<?>[] {RedisClusterAsyncCommands.class}, (proxy, method, args) -> {
            Runnable written = method.getName().equals("fcall") ? writes.beforeWrite(args) : null;
            try {
              return method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            } finally {
              if (written != null) {
                written.run();
              }
            }
          });
      field.set(backend, (RedisClusterAsyncCommands<String, String>) widened);
      return writes;
    }

    /**
     * Arms the next script call whose arguments match {@code matches}; completes with the
     * withdrawal's thread once that call has been written.
     */
    CompletableFuture<Thread> withdrawDuringNext(Predicate<List<String>> matches,
        Runnable withdrawal) {
      CompletableFuture<Thread> sent = new CompletableFuture<>();
      armed.set(new Armed(matches, withdrawal, sent));
      return sent;
    }

    /** Runs the armed withdrawal if {@code args} match; returns what to run once written. */
    private Runnable beforeWrite(Object[] args) {
      List<String> values = new ArrayList<>();
      for (Object arg : args) {
        if (arg instanceof String[] strings) {
          values.addAll(Arrays.asList(strings));
        }
      }
      Armed next = armed.get();
      if (next == null || !next.matches().test(values) || !armed.compareAndSet(next, null)) {
        return null;
      }
      Thread withdrawer = RacingWithdrawal.startUntilDoneOrBlocked(next.withdrawal());
      return () -> next.sent().complete(withdrawer);
    }
  }
}
