package dev.baton.spring;

import java.time.Duration;
import java.util.Map;

/** {@link BatonProperties} as bound from an empty configuration, for tests without a context. */
public final class TestProperties {

  private TestProperties() {}

  /** The defaults, with {@code metrics} as given (null: the default). */
  public static BatonProperties with(BatonProperties.Metrics metrics) {
    return of(null, null, metrics);
  }

  public static BatonProperties defaults() {
    return with(null);
  }

  /** The defaults, with {@code locks} declared. */
  public static BatonProperties withLocks(Map<String, BatonProperties.Lock> locks) {
    return of(locks, null, null);
  }

  /** The defaults, with {@code queues} declared. */
  public static BatonProperties withQueues(Map<String, BatonProperties.Queue> queues) {
    return of(null, queues, null);
  }

  private static BatonProperties of(Map<String, BatonProperties.Lock> locks,
      Map<String, BatonProperties.Queue> queues, BatonProperties.Metrics metrics) {
    return new BatonProperties(true, BatonProperties.Backend.LOCAL, Duration.ofSeconds(30), false,
        BatonProperties.DEFAULT_ASPECT_ORDER, locks, null, null, queues, null, metrics, null, null,
        null, null);
  }
}
