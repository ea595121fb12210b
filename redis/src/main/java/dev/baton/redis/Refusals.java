package dev.baton.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import java.util.Optional;

/**
 * Start-up failures where Redis answered, but with an error: a wrong password, a database the
 * server lacks, an ACL user without a permission Baton needs, a server at {@code maxmemory}, a
 * read-only replica. Their message quotes the server's reply and says what to change, rather
 * than reporting Redis as unavailable, which sends one looking for a network problem.
 */
final class Refusals {

  private Refusals() {}

  /**
   * The failure to start with if {@code failure}'s cause chain holds a reply of the server at
   * {@code address}: an {@link IllegalStateException} naming the address, quoting the reply and,
   * for a reply Baton knows, what to change. Empty if no reply is in the chain (Redis could not
   * be reached or did not answer in time).
   */
  static Optional<RuntimeException> of(String address, String keyPrefix, Throwable failure) {
    boolean sentinel = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      // Lettuce wraps what a Sentinel answered in "Cannot connect Redis Sentinel at ..."
      sentinel |= cause instanceof RedisConnectionException connection
          && String.valueOf(connection.getMessage()).contains("Redis Sentinel");
      if (cause instanceof RedisCommandExecutionException reply) {
        String answer = String.valueOf(reply.getMessage());
        return Optional.of(new IllegalStateException("Redis at " + address + " refused Baton's"
            + " start-up, answering '" + answer + "'" + hint(reply, keyPrefix, sentinel),
            failure));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code failure} is Lettuce's report of a connection whose handshake ended before
   * Lettuce looked at it: an {@link IllegalStateException} "RedisHandshakeHandler not registered"
   * in the cause chain, in place of the server's answer. A server that refuses the handshake (a
   * wrong password, a database it lacks) answers a local client so fast that this happens now and
   * then; connecting once more reads the answer.
   */
  static boolean answerLost(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof IllegalStateException lost
          && "RedisHandshakeHandler not registered".equals(lost.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /**
   * What to change for a reply with one of the error codes Baton knows, else "";
   * {@code sentinel} if a Sentinel gave the reply.
   */
  private static String hint(RedisCommandExecutionException reply, String keyPrefix,
      boolean sentinel) {
    String code = String.valueOf(reply.getMessage()).startsWith("ERR DB index") ? "ERR DB index"
        : ErrorCode.of(reply);
    return switch (code) {
      case "WRONGPASS", "NOAUTH" -> sentinel
          ? ": a Sentinel refused its credentials: check spring.data.redis.sentinel.username"
              + " and password"
          : ": check spring.data.redis.username and password";
      case "ERR DB index" -> ": spring.data.redis.database must be below the server's"
          + " 'databases' setting";
      case "NOPERM" -> ": Baton's ACL user needs the keys ~{" + keyPrefix + ":*, the channels &"
          + keyPrefix + ":* and the commands +@read +@write +@scripting +@pubsub +@connection"
          + " +info +time";
      case "OOM" -> ": the server is at its maxmemory and refuses writes, loading Baton's"
          + " library among them: raise maxmemory, or free memory";
      case "READONLY" -> ": it is a read-only replica: point spring.data.redis.* at the primary,"
          + " or use Sentinel";
      default -> "";
    };
  }
}
