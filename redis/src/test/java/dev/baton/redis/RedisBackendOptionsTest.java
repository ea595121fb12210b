package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
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

  /**
   * A lease too long to count in nanoseconds is refused: Redis's scripts add it to Redis's clock
   * and could not write the expiry of a much longer one, so every call would fail.
   */
  @Test
  void aLeaseTooLongToCountIsRefusedSayingSo() {
    Duration tooLong = Duration.ofNanos(Long.MAX_VALUE).plusNanos(1);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RedisBackendOptions.DEFAULTS.withLease(tooLong))
        .withMessage("lease must be at least 300ms and at most what a long counts in nanoseconds"
            + " (about 292 years), was " + tooLong);
  }

  /**
   * A connect timeout past an {@code int} of milliseconds is refused: Lettuce counts it so, and
   * would fail the connect with "integer overflow".
   */
  @Test
  void aConnectTimeoutTooLongForTheClientIsRefusedSayingSo() {
    Duration tooLong = Duration.ofMillis(Integer.MAX_VALUE + 1L);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RedisBackendOptions.DEFAULTS.withConnectTimeout(tooLong))
        .withMessage("connectTimeout must be at most PT596H31M23.647S (an int of milliseconds),"
            + " was " + tooLong);
  }

  /**
   * A lease under 300 ms is refused: renewals run every third of it, and a shorter one would
   * leave a permit no time to be renewed before it is lost. 300 ms itself is accepted.
   */
  @Test
  void aLeaseShorterThan300MsIsRefusedSayingSo() {
    Duration tooShort = Duration.ofMillis(299);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RedisBackendOptions.DEFAULTS.withLease(tooShort))
        .withMessage("lease must be at least 300ms and at most what a long counts in nanoseconds"
            + " (about 292 years), was " + tooShort);
    assertThat(RedisBackendOptions.DEFAULTS.withLease(Duration.ofMillis(300)).lease())
        .isEqualTo(Duration.ofMillis(300));
  }

  /**
   * A key prefix with either brace is refused: it would end or begin the hash tag that keeps each
   * primitive's keys in one cluster slot.
   */
  @Test
  void aKeyPrefixWithABraceIsRefusedSayingSo() {
    for (String prefix : new String[] {"app{", "app}", "a}b"}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> RedisBackendOptions.DEFAULTS.withKeyPrefix(prefix))
          .withMessage("keyPrefix must be non-blank and free of '{' and '}', was '" + prefix + "'");
    }
  }
}
