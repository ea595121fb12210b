package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BatonGaugesTests {

  private final DefaultPrimitiveRegistry primitives =
      new DefaultPrimitiveRegistry(TestProperties.defaults());
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  BatonGaugesTests() {
    new BatonGauges(primitives).bindTo(meters);
  }

  @Test
  void threeWaitersOnALockReadThreeThenZeroAfterRelease() {
    AsyncLock lock = primitives.lock("inventory");
    Permit holder = lock.acquire().join();
    List<CompletableFuture<Permit>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(lock.acquire());
    }

    assertThat(gauge(BatonGauges.LOCK_WAITERS, "inventory")).isEqualTo(3);
    assertThat(gauge(BatonGauges.LOCK_HELD, "inventory")).isEqualTo(1);

    holder.release();
    waiting.forEach(w -> w.join().release());

    assertThat(gauge(BatonGauges.LOCK_WAITERS, "inventory")).isZero();
    assertThat(gauge(BatonGauges.LOCK_HELD, "inventory")).isZero();
  }

  /**
   * A binder may be bound to more than one registry (Spring Boot binds each binder to every
   * registry when there is no composite). Regression (da3d753): the lock names met were kept per
   * binder, not per registry, so the second registry got no lock gauges at all.
   */
  @Test
  void aLockHasItsGaugesInEveryRegistryTheBinderIsBoundTo() {
    DefaultPrimitiveRegistry own = new DefaultPrimitiveRegistry(TestProperties.defaults());
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    BatonGauges gauges = new BatonGauges(own);
    gauges.bindTo(first);
    gauges.bindTo(second);
    Permit held = own.lock("orders").acquire().join();

    assertThat(first.get(BatonGauges.LOCK_HELD).tag("name", "orders").gauge().value())
        .isEqualTo(1);
    assertThat(second.find(BatonGauges.LOCK_HELD).tag("name", "orders").gauge())
        .as("the lock's held gauge in the second registry").isNotNull();
    assertThat(second.get(BatonGauges.LOCK_HELD).tag("name", "orders").gauge().value())
        .isEqualTo(1);
    held.release();
  }

  @Test
  void semaphoreGaugesFollowPermitsAndWaiters() {
    AsyncSemaphore semaphore = primitives.semaphore("payments", 2);
    semaphore.acquire();
    semaphore.acquire();
    semaphore.acquire();

    assertThat(gauge(BatonGauges.SEMAPHORE_AVAILABLE, "payments")).isZero();
    assertThat(gauge(BatonGauges.SEMAPHORE_MAX, "payments")).isEqualTo(2);
    assertThat(gauge(BatonGauges.SEMAPHORE_WAITERS, "payments")).isEqualTo(1);
  }

  @Test
  void eventAndConditionAndBarrierGaugesFollowTheirState() {
    AsyncEvent event = primitives.event("loaded");
    event.await();
    assertThat(gauge(BatonGauges.EVENT_SET, "loaded")).isZero();
    assertThat(gauge(BatonGauges.EVENT_WAITERS, "loaded")).isEqualTo(1);
    event.set();
    assertThat(gauge(BatonGauges.EVENT_SET, "loaded")).isEqualTo(1);
    assertThat(gauge(BatonGauges.EVENT_WAITERS, "loaded")).isZero();

    AsyncCondition condition = primitives.condition("ready");
    condition.await(condition.acquire().join());
    assertThat(gauge(BatonGauges.CONDITION_WAITERS, "ready")).isEqualTo(1);

    AsyncBarrier barrier = primitives.barrier("round", 3);
    barrier.await();
    assertThat(gauge(BatonGauges.BARRIER_WAITING, "round")).isEqualTo(1);
  }

  /**
   * "baton.event.set: 1 while the event is set, else 0", read from the event itself: with no
   * wait pending on it, a clear event reads 0 and a set one 1.
   */
  @Test
  void anEventsSetGaugeFollowsTheEventWithNoWaitPending() {
    AsyncEvent event = primitives.event("idle");
    assertThat(gauge(BatonGauges.EVENT_SET, "idle")).isZero();
    event.set();
    assertThat(gauge(BatonGauges.EVENT_SET, "idle")).isEqualTo(1);
    event.clear();
    assertThat(gauge(BatonGauges.EVENT_SET, "idle")).isZero();
  }

  @Test
  void queueGaugesReportDepthUnfinishedAndBothSidesOfWaitersAndNoCapacityWhenUnbounded() {
    AsyncQueue<String> queue = primitives.queue("jobs");
    queue.offer("a");
    queue.offer("b");
    queue.poll();

    assertThat(gauge(BatonGauges.QUEUE_SIZE, "jobs")).isEqualTo(1);
    assertThat(meters.find(BatonGauges.QUEUE_CAPACITY).tag("name", "jobs").gauge())
        .as("an unbounded queue's capacity gauge").isNull();
    assertThat(gauge(BatonGauges.QUEUE_UNFINISHED, "jobs")).isEqualTo(2);
    queue.poll();
    queue.take();
    assertThat(meters.get(BatonGauges.QUEUE_WAITERS).tag("name", "jobs").tag("side", "take")
        .gauge().value()).isEqualTo(1);
    assertThat(meters.get(BatonGauges.QUEUE_WAITERS).tag("name", "jobs").tag("side", "put")
        .gauge().value()).isZero();
    // Prometheus keeps one HELP line per name: both sides must describe both.
    assertThat(meters.get(BatonGauges.QUEUE_WAITERS).gauges())
        .extracting(gauge -> gauge.getId().getDescription()).hasSize(2).allSatisfy(help ->
            assertThat(help).contains("side=put").contains("side=take"));

    bindABoundedQueue("bounded", 10);
    assertThat(gauge(BatonGauges.QUEUE_CAPACITY, "bounded")).isEqualTo(10);
  }

  @Test
  void primitivesCreatedAfterBindingGetGaugesAndEarlierOnesToo() {
    DefaultPrimitiveRegistry early = new DefaultPrimitiveRegistry(TestProperties.defaults());
    early.lock("before");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new BatonGauges(early).bindTo(registry);

    early.lock("after");

    assertThat(registry.find(BatonGauges.LOCK_HELD).tag("name", "before").gauge()).isNotNull();
    assertThat(registry.find(BatonGauges.LOCK_HELD).tag("name", "after").gauge()).isNotNull();
  }

  @Test
  void aPerKeyLockFamilyReportsActiveKeysAndNoMeterPerKey() {
    List<Permit> held = new ArrayList<>();
    for (int key = 0; key < 100; key++) {
      held.add(primitives.lock("accounts", key).acquire().join());
    }
    CompletableFuture<Permit> waiting = primitives.lock("accounts", 7).acquire();
    assertThat(gauge(BatonGauges.LOCK_KEYS_ACTIVE, "accounts")).isEqualTo(100);
    assertThat(gauge(BatonGauges.LOCK_HELD, "accounts")).isEqualTo(100);
    assertThat(gauge(BatonGauges.LOCK_WAITERS, "accounts")).isEqualTo(1);

    held.forEach(Permit::release);
    waiting.join().release();

    assertThat(gauge(BatonGauges.LOCK_KEYS_ACTIVE, "accounts")).isZero();
    assertThat(gauge(BatonGauges.LOCK_HELD, "accounts")).isZero();
    assertThat(gauge(BatonGauges.LOCK_WAITERS, "accounts")).isZero();
    assertThat(meters.getMeters()).as("three meters for the family, none per key").hasSize(3);
  }

  @Test
  void everyGaugeHasADescriptionAndIsListedInTheReadme() throws Exception {
    primitives.lock("l");
    primitives.lock("f", "k");
    primitives.semaphore("s", 1);
    primitives.event("e");
    primitives.condition("c");
    bindABoundedQueue("q", 1);
    primitives.barrier("b", 2);
    String readme = Files.readString(Path.of("..", "README.md"));

    for (Field field : BatonGauges.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getName().startsWith("TAG_")) {
        continue;
      }
      String name = (String) field.get(null);
      assertThat(meters.find(name).meters()).as(name).isNotEmpty()
          .allSatisfy(meter -> assertThat(meter.getId().getDescription()).isNotBlank());
      assertThat(readme).as("README lists %s", name).contains("`" + name + "`");
    }
  }

  /** Binds the gauges of a registry declaring queue {@code name} of {@code capacity}. */
  private void bindABoundedQueue(String name, int capacity) {
    new BatonGauges(new DefaultPrimitiveRegistry(TestProperties.withQueues(Map.of(name,
        new BatonProperties.Queue(capacity, BatonProperties.QueueOrder.FIFO, null, null, null)))))
        .bindTo(meters);
  }

  private double gauge(String name, String primitive) {
    return meters.get(name).tag(BatonGauges.TAG_NAME, primitive).gauge().value();
  }
}
