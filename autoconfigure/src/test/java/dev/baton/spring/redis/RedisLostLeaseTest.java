package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import dev.baton.redis.LeaseLostException;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A permit of an instance whose lease is lost (here: Redis restarted without its data) as the
 * application sees it: released, counted by {@value RedisBackendMetrics#LEASES_LOST}, logged once
 * at WARN, and its {@code release()} throws.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisLostLeaseTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @Test
  void aPermitWhoseLeaseIsLostIsReleasedCountedAndLoggedAtWarnAndItsReleaseThrows(
      CapturedOutput output) throws Exception {
    try (TwoRedisInstances instances = new TwoRedisInstances(
        "spring.main.web-application-type=none", "baton.redis.lease=1s",
        "baton.semaphores.payments.permits=1")) {
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
}
