package dev.baton.spring.redis;

import dev.baton.redis.RedisBackend;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meters of the Redis backend itself, beside the primitives' gauges: {@value #LEASES_LOST},
 * a function counter of the permits this instance held whose lease ran out or was forgotten by
 * Redis before they were released (another holder may then have been granted them).
 */
public final class RedisBackendMetrics implements MeterBinder {

  public static final String LEASES_LOST = "baton.redis.leases.lost";

  private final RedisBackend backend;

  public RedisBackendMetrics(RedisBackend backend) {
    this.backend = backend;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder(LEASES_LOST, backend, RedisBackend::lostLeases)
        .description("Permits of this instance whose Redis lease was lost before they were"
            + " released, so that another holder may have been granted them")
        .register(registry);
  }
}
