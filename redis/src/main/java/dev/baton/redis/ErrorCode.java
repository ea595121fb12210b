package dev.baton.redis;

import io.lettuce.core.RedisCommandExecutionException;

/**
 * The error code of a Redis error reply: its first word, such as {@code TRYAGAIN}, {@code NOPERM}
 * or {@code ERR}, by which Redis says what kind of refusal the rest of the reply explains.
 */
final class ErrorCode {

  private ErrorCode() {}

  /** The first word of {@code reply}'s message; empty if it has none. */
  static String of(RedisCommandExecutionException reply) {
    String answer = reply.getMessage() == null ? "" : reply.getMessage();
    int space = answer.indexOf(' ');
    return space < 0 ? answer : answer.substring(0, space);
  }
}
