package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link RedisBackendOptions} refuses what a backend could not honour, saying why. */
class RedisBackendOptionsTest {

  /**
   * A command timeout too long to count in nanoseconds cannot mean none, as a wait's timeout
   * does ({@link RedisEnormousTimeoutsTest}): every command has one, and Lettuce counts it in
   * nanoseconds, so it is refused here rather than failing the connect with "long overflow".
   */
  @Test
  void aCommandTimeoutTooLongToCountIsRefusedSayingSo() {
    Duration tooLong = Duration.ofNanos(Long.MAX_VALUE).plusNanos(1);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RedisBackendOptions.DEFAULTS.withCommandTimeout(tooLong))
        .withMessage("commandTimeout must be at most what a long counts in nanoseconds (about 292"
            + " years), was " + tooLong);
  }
}
