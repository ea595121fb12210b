package dev.baton.spring.redis;

import dev.baton.redis.ItemCodec;
import java.util.Optional;

/**
 * Chooses how the items of each queue on Redis are written and read back, from the queue's item
 * type. Baton's default writes items as JSON with the application's JSON mapper
 * ({@link JsonQueueCodecs}), except {@code String} items, stored as they are, and {@code byte[]}
 * items, as Base64. A bean of this type replaces it, and is asked for every item type, those two
 * included: {@link #unchanged(Class)} gives Baton's codecs for them.
 *
 * <p>Implementations are thread-safe, and never instantiate a class named by the data itself.
 */
@FunctionalInterface
public interface QueueCodecs {

  /**
   * The codec of the queue {@code queue}, whose items are {@code itemType}s.
   *
   * @throws IllegalStateException if items of this type cannot be encoded, saying why
   */
  <T> ItemCodec<T> codec(String queue, Class<T> itemType);

  /**
   * The codecs that store items without JSON: {@code String} as it is, {@code byte[]} as Base64;
   * else empty.
   */
  @SuppressWarnings("unchecked")
  static <T> Optional<ItemCodec<T>> unchanged(Class<T> itemType) {
    if (itemType == String.class) {
      return Optional.of((ItemCodec<T>) ItemCodec.strings());
    }
    if (itemType == byte[].class) {
      return Optional.of((ItemCodec<T>) ItemCodec.bytes());
    }
    return Optional.empty();
  }

  /**
   * Codecs for {@code String} and {@code byte[]} items only, for an application without Jackson:
   * other item types fail, naming the queue and the dependency to add.
   */
  static QueueCodecs unchangedOnly() {
    return new QueueCodecs() {
      @Override
      public <T> ItemCodec<T> codec(String queue, Class<T> itemType) {
        return unchanged(itemType).orElseThrow(() -> new IllegalStateException("queue '" + queue
            + "' holds " + itemType.getName() + " items, which Baton writes to Redis as JSON:"
            + " add Jackson (org.springframework.boot:spring-boot-starter-jackson), declare a"
            + " QueueCodecs bean, or use String or byte[] items"));
      }
    };
  }
}
