package dev.baton.spring.redis;

import dev.baton.redis.RedisBackendOptions;
import dev.baton.spring.BatonProperties;
import io.lettuce.core.SslOptions;
import java.time.Duration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.ssl.SslBundle;

/**
 * The {@link RedisBackendOptions} of {@code baton.redis.*}: its lease and key prefix, its command
 * timeout ({@code baton.redis.command-timeout}, else {@code spring.data.redis.timeout}, else
 * 5 s), its connect timeout ({@code spring.data.redis.connect-timeout}, else Lettuce's 10 s),
 * and the key and trust managers, protocols and ciphers of the connection's SSL bundle: the
 * one {@code spring.data.redis.ssl.bundle} names, else, with {@code spring.data.redis.ssl.enabled}
 * alone, Spring Boot's system default (the JVM's default trust store, and no client certificate).
 */
final class RedisBackendSettings {

  private RedisBackendSettings() {}

  /** @param bundle the SSL bundle of the connection, or {@code null} for none */
  static RedisBackendOptions of(BatonProperties.Redis baton, DataRedisProperties spring,
      SslBundle bundle) {
    Duration commandTimeout = baton.commandTimeout() != null ? baton.commandTimeout()
        : spring.getTimeout() != null ? inherited(spring.getTimeout())
        : RedisBackendOptions.DEFAULTS.commandTimeout();
    return new RedisBackendOptions(baton.keyPrefix(), baton.lease(), commandTimeout,
        bundle == null ? null : ssl(bundle), connectTimeout(spring.getConnectTimeout()));
  }

  /**
   * {@code spring.data.redis.timeout} as Baton's command timeout, refused naming both properties
   * where Baton cannot count it: Spring Data reads zero as none, and every Baton command needs one.
   */
  private static Duration inherited(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()
        || timeout.compareTo(RedisBackendOptions.LONGEST_COMMAND_TIMEOUT) > 0) {
      throw new IllegalArgumentException("spring.data.redis.timeout="
          + BatonProperties.written(timeout) + " cannot be Baton's command timeout, which it is"
          + " while baton.redis.command-timeout is unset: it must be positive and at most what a"
          + " long counts in nanoseconds (about 292 years); set baton.redis.command-timeout");
    }
    return timeout;
  }

  private static Duration connectTimeout(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero()
        || timeout.compareTo(RedisBackendOptions.LONGEST_CONNECT_TIMEOUT) > 0)) {
      throw new IllegalArgumentException("spring.data.redis.connect-timeout must be positive and"
          + " at most " + BatonProperties.written(RedisBackendOptions.LONGEST_CONNECT_TIMEOUT)
          + " (the Redis client counts it in an int of milliseconds), was "
          + BatonProperties.written(timeout));
    }
    return timeout;
  }

  private static SslOptions ssl(SslBundle bundle) {
    SslOptions.Builder ssl = SslOptions.builder()
        .keyManager(bundle.getManagers().getKeyManagerFactory())
        .trustManager(bundle.getManagers().getTrustManagerFactory());
    if (bundle.getOptions().getEnabledProtocols() != null) {
      ssl.protocols(bundle.getOptions().getEnabledProtocols());
    }
    if (bundle.getOptions().getCiphers() != null) {
      ssl.cipherSuites(bundle.getOptions().getCiphers());
    }
    return ssl.build();
  }
}
