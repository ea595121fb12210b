package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.redis.LeaseLostException;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.stall.StallView;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.ref.WeakReference;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Redis restarted without its data as the application sees it: a permit whose lease is lost is
 * released, counted by {@value RedisBackendMetrics#LEASES_LOST}, logged once at WARN, and its
 * {@code release()} throws; the {@code baton} endpoint shows the restart quarantine while it lasts.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisLostLeaseTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @Test
  void aPermitWhoseLeaseIsLostIsReleasedCountedAndLoggedAtWarnAndItsReleaseThrows(
      CapturedOutput output) throws Exception {
    try (TwoRedisInstances instances = instances()) {
      Permit held = instances.one.getBean(PrimitiveRegistry.class).lock("ledger").acquire()
          .get(5, TimeUnit.SECONDS);
      MeterRegistry meters = instances.one.getBean(MeterRegistry.class);
      assertThat(meters.get(RedisBackendMetrics.LEASES_LOST).functionCounter().count()).isZero();

      instances.server.restart();

      await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(held::isReleased);
      assertThat(meters.get(RedisBackendMetrics.LEASES_LOST).functionCounter().count())
          .isEqualTo(1);
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
      assertThat(output.getOut().lines()
          .filter(line -> line.contains(" WARN ") && line.contains("lock 'ledger'")))
          .singleElement().asString().contains("Lost the lease")
          .contains("127.0.0.1:" + instances.server.port());
    }
  }

  /**
   * A per-key lock's permit whose lease is lost is released as a plain lock's is, and its
   * {@code release()} throws as that one's does; its key is then idle, so the family drops it
   * (memory and {@code baton.lock.keys.active} follow the keys in use).
   */
  @Test
  void aKeysPermitWhoseLeaseIsLostIsReleasedAndItsKeyDroppedThoughItsReleaseThrows()
      throws Exception {
    try (TwoRedisInstances instances = instances()) {
      DefaultPrimitiveRegistry registry =
          (DefaultPrimitiveRegistry) instances.one.getBean(PrimitiveRegistry.class);
      Permit held = registry.lock("accounts", "alice").acquire().get(5, TimeUnit.SECONDS);

      instances.server.restart();

      await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(held::isReleased);
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
      assertThat(registry.activeKeys("accounts")).as("keys in use").isZero();
    }
  }

  /**
   * README: a lost permit "reads as released". Code that trusts that and never calls
   * {@code release()} leaves no hold behind: the hold ends once the permit reads as released.
   */
  @Test
  void aLostPermitThatReadsAsReleasedEndsItsHold() throws Exception {
    try (TwoRedisInstances instances = instances("baton.stalls.level=basic")) {
      AsyncLock ledger = instances.one.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit held = ledger.acquire().get(5, TimeUnit.SECONDS);

      loseLeases(instances);

      assertThat(held.isReleased()).isTrue();
      assertThat(((HoldTracking) ledger).holds().count()).as("holds listed").isZero();
    }
  }

  /**
   * A lost permit dropped without a release, never even read, is no leak: it holds nothing in
   * Redis, and a leak would keep health down until restart. Its hold ends when the collector
   * finds it dropped.
   */
  @Test
  void aLostPermitDroppedUnreleasedIsNoLeak() throws Exception {
    try (TwoRedisInstances instances =
        instances("baton.stalls.level=basic", "baton.stalls.held-too-long=2s")) {
      StallView view = instances.one.getBean(StallView.class);
      AsyncLock ledger = instances.one.getBean(PrimitiveRegistry.class).lock("ledger");
      WeakReference<Permit> dropped =
          new WeakReference<>(ledger.acquire().get(5, TimeUnit.SECONDS));

      loseLeases(instances);
      awaitHeldFor(ledger, Duration.ofSeconds(1));
      view.check(); // watches the permit for a drop: its hold has lasted half its threshold

      await().atMost(PATIENCE).until(() -> {
        System.gc();
        view.leakedPermits();
        return dropped.get() == null && ((HoldTracking) ledger).holds().count() == 0;
      });
      assertThat(view.leaksFound()).as("leaks found").isZero();
    }
  }

  /**
   * A lost permit still referenced, never read, is not a stall: nobody holds the lock in Redis
   * (another instance may hold it by now), so no scan, the watchdog's or one asked for, reports it
   * as held too long; the first scan to find it past its threshold ends its hold instead.
   */
  @Test
  void aLostPermitIsNeverReportedAsHeldTooLong(CapturedOutput output) throws Exception {
    try (TwoRedisInstances instances =
        instances("baton.stalls.level=basic", "baton.stalls.held-too-long=200ms")) {
      StallView view = instances.one.getBean(StallView.class);
      AsyncLock ledger = instances.one.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit held = ledger.acquire().get(5, TimeUnit.SECONDS);

      loseLeases(instances);
      LiveHolds holds = ((HoldTracking) ledger).holds();
      // Past its threshold, or ended already by a scan of the watchdog's.
      await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() -> holds.oldest()
          .map(hold -> hold.heldFor().toMillis() >= 200).orElse(true));

      assertThat(view.check().stalls()).as("stalls").isEmpty();
      assertThat(holds.count()).as("holds listed").isZero();
      assertThat(output.getOut()).as("stalls logged").doesNotContain("lock 'ledger' held for");
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
    }
  }

  /**
   * Two looks at a lost permit's hold may run at once (the watchdog's scan and one asked for, as
   * in a CI run): the one that finds the hold ended by the other must not report it either.
   */
  @Test
  void aLostHoldEndedByAnotherLookIsNotReportedByThisOne() throws Exception {
    try (TwoRedisInstances instances =
        instances("baton.stalls.level=basic", "baton.stalls.held-too-long=1h")) {
      AsyncLock ledger = instances.one.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit held = ledger.acquire().get(5, TimeUnit.SECONDS);
      Hold hold = ((HoldTracking) ledger).holds().oldest().orElseThrow();

      loseLeases(instances);

      assertThat(hold.endIfLost()).as("the first look, which ends it").isTrue();
      assertThat(hold.endIfLost()).as("a look that finds it ended").isTrue();
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
    }
  }

  /** Waits until the oldest hold of {@code lock} has lasted {@code atLeast}. */
  private static void awaitHeldFor(AsyncLock lock, Duration atLeast) {
    await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() -> ((HoldTracking) lock).holds()
        .oldest().map(hold -> hold.heldFor().compareTo(atLeast) >= 0).orElse(false));
  }

  /** Two instances on a one-second lease, each with {@code properties} beside. */
  private static TwoRedisInstances instances(String... properties) {
    return new TwoRedisInstances(Stream.concat(Stream.of("spring.main.web-application-type=none",
        "baton.redis.lease=1s", "baton.semaphores.payments.permits=1"), Stream.of(properties))
        .toArray(String[]::new));
  }

  /** Restarts Redis without its data, and waits until the first instance has lost a lease. */
  private static void loseLeases(TwoRedisInstances instances) {
    MeterRegistry meters = instances.one.getBean(MeterRegistry.class);
    instances.server.restart();
    await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() ->
        meters.get(RedisBackendMetrics.LEASES_LOST).functionCounter().count() > 0);
  }

  /**
   * The same for a key's permit: once it reads as released, its key is no longer in use, though
   * its {@code release()} is never called.
   */
  @Test
  void aLostKeysPermitThatReadsAsReleasedDropsItsKeyWithoutARelease() throws Exception {
    try (TwoRedisInstances instances = instances()) {
      DefaultPrimitiveRegistry registry =
          (DefaultPrimitiveRegistry) instances.one.getBean(PrimitiveRegistry.class);
      Permit held = registry.lock("accounts", "alice").acquire().get(5, TimeUnit.SECONDS);

      loseLeases(instances);

      assertThat(held.isReleased()).isTrue();
      assertThat(registry.activeKeys("accounts")).as("keys in use").isZero();
    }
  }

  /**
   * The permit {@code lockAll} gives for several keys, all of whose leases are lost, is released
   * too, and its {@code release()} throws as each key's does, but only once it has released them
   * all: no key is left in use.
   */
  @Test
  void aPermitOfSeveralKeysWhoseLeasesAreLostIsReleasedAndAllItsKeysDroppedThoughItsReleaseThrows()
      throws Exception {
    try (TwoRedisInstances instances = instances()) {
      DefaultPrimitiveRegistry registry =
          (DefaultPrimitiveRegistry) instances.one.getBean(PrimitiveRegistry.class);
      Permit held = registry.lockAll("accounts", List.of("alice", "bob", "carol"),
          Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);

      instances.server.restart();

      await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(held::isReleased);
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
      assertThat(registry.activeKeys("accounts")).as("keys in use").isZero();
    }
  }

  /**
   * After a Redis restart the {@code baton} endpoint shows {@code quarantined: true}, connected
   * again, for about one lease (Redis's uptime is read in whole seconds), then {@code false}. The
   * lease is long so that the quarantine outlasts the reconnect by far.
   */
  @Test
  void afterARedisRestartTheEndpointShowsTheQuarantineForOneLease() {
    Duration lease = Duration.ofSeconds(5);
    try (TwoRedisInstances instances = new TwoRedisInstances("server.port=0",
        "management.endpoints.web.exposure.include=baton", "baton.redis.lease=" + lease,
        "baton.semaphores.payments.permits=1")) {
      assertThat(redisStatus(instances.one)).containsEntry("quarantined", false);

      instances.server.restart();
      long restarted = System.nanoTime();

      Map<String, Object> quarantined = await().atMost(lease).pollDelay(Duration.ZERO)
          .until(() -> redisStatus(instances.one),
              status -> Boolean.TRUE.equals(status.get("quarantined")));
      assertThat(quarantined).containsEntry("connected", true);
      await().atMost(PATIENCE)
          .until(() -> Boolean.FALSE.equals(redisStatus(instances.one).get("quarantined")));
      assertThat(Duration.ofNanos(System.nanoTime() - restarted))
          .isGreaterThan(lease.minusSeconds(1));
    }
  }

  /** The {@code redis} object of the instance's {@code baton} endpoint, read over HTTP. */
  private static Map<String, Object> redisStatus(ConfigurableApplicationContext instance) {
    HttpResponse<String> response = Http.get(instance, "/actuator/baton");
    assertThat(response.statusCode()).isEqualTo(200);
    return JsonPath.read(response.body(), "$.redis");
  }
}
