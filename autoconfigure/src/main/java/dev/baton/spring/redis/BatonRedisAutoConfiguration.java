package dev.baton.spring.redis;

import dev.baton.redis.RedisBackend;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.BatonSwitch;
import dev.baton.spring.PrimitiveSource;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code baton.backend=redis}: the registry's primitives live in the Redis that
 * {@code spring.data.redis.*} describes, shared by every instance with the same
 * {@code baton.redis.key-prefix}. Baton connects with a {@link RedisBackend} of its own (it needs
 * a client that rejects commands while disconnected), not through Spring Data's connection
 * factory; start-up fails, naming the address, when Redis cannot be reached. Needs the
 * {@code dev.baton:baton-redis} module and Spring Boot's Redis support on the class path.
 */
@AutoConfiguration(before = BatonAutoConfiguration.class,
    afterName = {"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"})
@ConditionalOnClass({RedisBackend.class, DataRedisConnectionDetails.class})
@Conditional({BatonSwitch.Enabled.class, RedisChosen.class})
@EnableConfigurationProperties(BatonProperties.class)
public final class BatonRedisAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  RedisBackend batonRedisBackend(BatonProperties properties, DataRedisConnectionDetails details,
      DataRedisProperties redisProperties) {
    return RedisUris.connect(details, redisProperties,
        RedisBackendSettings.of(properties.redis(), redisProperties, details.getSslBundle()));
  }

  @Bean
  @ConditionalOnMissingBean
  PrimitiveSource batonRedisPrimitiveSource(RedisBackend backend, QueueCodecs codecs) {
    return new RedisPrimitives(backend, codecs);
  }

  /** Queue items as JSON through the application's mapper, when Jackson is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "tools.jackson.databind.json.JsonMapper")
  static final class Json {

    @Bean
    @ConditionalOnMissingBean
    QueueCodecs batonQueueCodecs(ObjectProvider<JsonMapper> mapper) {
      return new JsonQueueCodecs(mapper.getIfAvailable(JsonMapper::new));
    }
  }

  /** Without Jackson: String and byte[] queue items only. */
  @Bean
  @ConditionalOnMissingBean
  QueueCodecs batonUnchangedQueueCodecs() {
    return QueueCodecs.unchangedOnly();
  }

  /** The backend's own meters, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    RedisBackendMetrics batonRedisBackendMetrics(RedisBackend backend) {
      return new RedisBackendMetrics(backend);
    }
  }
}
