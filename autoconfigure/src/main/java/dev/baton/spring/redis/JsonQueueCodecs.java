package dev.baton.spring.redis;

import dev.baton.redis.ItemCodec;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default {@link QueueCodecs}: items as JSON, written and read by the application's JSON
 * mapper (so its modules and settings apply) as exactly the queue's declared item type, with
 * polymorphic default typing switched off whatever the mapper says: the data never chooses the
 * class it is read as. {@code String} items are stored as they are, {@code byte[]} items as
 * Base64. An item of a type Jackson cannot write fails its put; one Jackson cannot read back fails
 * the take that receives it, which drops it rather than hand it to every taker in turn.
 */
public final class JsonQueueCodecs implements QueueCodecs {

  private final JsonMapper mapper;

  /** Codecs using a copy of {@code mapper} without default typing. */
  public JsonQueueCodecs(JsonMapper mapper) {
    this.mapper = mapper.rebuild().deactivateDefaultTyping().build();
  }

  @Override
  public <T> ItemCodec<T> codec(String queue, Class<T> itemType) {
    if (itemType == Object.class) {
      throw new IllegalStateException("queue '" + queue + "' needs an item type to read its"
          + " items' JSON as, not java.lang.Object (which would read an Order back as a Map)");
    }
    return QueueCodecs.unchanged(itemType).orElseGet(() -> json(itemType));
  }

  private <T> ItemCodec<T> json(Class<T> itemType) {
    ObjectWriter writer = mapper.writerFor(itemType);
    ObjectReader reader = mapper.readerFor(itemType);
    return new ItemCodec<>() {
      @Override
      public String encode(T item) {
        return writer.writeValueAsString(item);
      }

      @Override
      public T decode(String encoded) {
        return reader.readValue(encoded);
      }
    };
  }
}
