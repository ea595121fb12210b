package dev.baton.redis;

import java.util.Base64;

/**
 * How the items of a queue on Redis are written as strings and read back. Every JVM using a
 * queue must use the same codec; {@code decode(encode(item))} must give an item equal to
 * {@code item}. Codecs are called on the caller's thread (encode) and on the backend's callback
 * threads (decode), possibly concurrently, so they must be thread-safe. A codec should never
 * instantiate a type named by the data itself (no polymorphic default typing).
 *
 * @param <T> the type of items
 */
public interface ItemCodec<T> {

  String encode(T item);

  T decode(String encoded);

  /** Strings, unchanged. */
  static ItemCodec<String> strings() {
    return new ItemCodec<>() {
      @Override
      public String encode(String item) {
        return item;
      }

      @Override
      public String decode(String encoded) {
        return encoded;
      }
    };
  }

  /** Byte arrays, as Base64 (the encoded size is 4/3 of the array's). */
  static ItemCodec<byte[]> bytes() {
    return new ItemCodec<>() {
      @Override
      public String encode(byte[] item) {
        return Base64.getEncoder().encodeToString(item);
      }

      @Override
      public byte[] decode(String encoded) {
        return Base64.getDecoder().decode(encoded);
      }
    };
  }
}
