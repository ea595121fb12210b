package dev.baton.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Redis key and channel names. A primitive's keys share one cluster hash tag,
 * {@code {prefix:kind:name}}, so its scripts touch a single slot; one key of a per-key family has
 * {@code {prefix:kind:name:key}}. In a name or key, {@code %} and {@code :} are written as
 * {@code %25} and {@code %3A}, so that no two names or name-and-key pairs share a tag
 * ({@code lock("a:b", "c")} is not {@code lock("a", "b:c")}, nor {@code lock("a:b")}). A name or
 * per-key value longer than {@value #MAX_PLAIN_BYTES} bytes (UTF-8), or with a brace, is replaced
 * by its SHA-1 in hex after {@code %}, which keeps keys short, user data out of long keys, and the
 * hash tag whole; an escaped value never starts with {@code %} followed by a letter.
 */
final class Keys {

  static final int MAX_PLAIN_BYTES = 64;

  private final String prefix;

  Keys(String prefix) {
    this.prefix = prefix;
  }

  /** The hash tag of a lock, semaphore or event: {@code {prefix:kind:name}}. */
  String tag(String kind, String name) {
    return "{" + prefix + ":" + kind + ":" + shorten(name) + "}";
  }

  /** The hash tag of one key's lock in the per-key family {@code name}. */
  String tag(String kind, String name, String key) {
    return "{" + prefix + ":" + kind + ":" + shorten(name) + ":" + shorten(key) + "}";
  }

  /** The prefix of every JVM's grant channel: a JVM listens on this plus its id. */
  String grantChannelPrefix() {
    return prefix + ":jvm:";
  }

  /** The channel an event's generations are published on. */
  String eventChannel(String tag) {
    return prefix + ":event-set:" + tag;
  }

  static String shorten(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_PLAIN_BYTES && value.indexOf('{') < 0 && value.indexOf('}') < 0) {
      return value.replace("%", "%25").replace(":", "%3A");
    }
    try {
      return "%sha1-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }
}
