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
        : spring.getTimeout() != null ? spring.getTimeout()
        : RedisBackendOptions.DEFAULTS.commandTimeout();
    return new RedisBackendOptions(baton.keyPrefix(), baton.lease(), commandTimeout,
        bundle == null ? null : ssl(bundle), spring.getConnectTimeout());
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
