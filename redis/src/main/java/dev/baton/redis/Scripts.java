package dev.baton.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Baton's Lua scripts, run by SHA ({@code EVALSHA}) and sent whole only when the server does not
 * know them (after a restart or {@code SCRIPT FLUSH}).
 */
enum Scripts {
  ACQUIRE("permits-prelude", "permits-acquire", ScriptOutputType.MULTI),
  RELEASE("permits-prelude", "permits-release", ScriptOutputType.VALUE),
  CANCEL("permits-prelude", "permits-cancel", ScriptOutputType.VALUE),
  RENEW("permits-prelude", "permits-renew", ScriptOutputType.MULTI),
  EVENT_SET(null, "event-set", ScriptOutputType.INTEGER),
  EVENT_CLEAR(null, "event-clear", ScriptOutputType.INTEGER),
  CONDITION_AWAIT(ScriptOutputType.VALUE, "condition-await", Preludes.CONDITION),
  CONDITION_SIGNAL(ScriptOutputType.MULTI, "condition-signal", Preludes.CONDITION),
  CONDITION_CANCEL(ScriptOutputType.VALUE, "condition-cancel", Preludes.CONDITION),
  /** RENEW on a condition's keys: its lock's permits and waiters and its waiters for a signal. */
  CONDITION_RENEW(ScriptOutputType.MULTI, "permits-renew", Preludes.CONDITION),
  BARRIER_AWAIT("barrier-prelude", "barrier-await", ScriptOutputType.MULTI),
  BARRIER_BREAK("barrier-prelude", "barrier-break", ScriptOutputType.VALUE),
  BARRIER_CANCEL("barrier-prelude", "barrier-cancel", ScriptOutputType.VALUE),
  BARRIER_RENEW("barrier-prelude", "barrier-renew", ScriptOutputType.MULTI),
  QUEUE_PUT("queue-prelude", "queue-put", ScriptOutputType.MULTI),
  QUEUE_TAKE("queue-prelude", "queue-take", ScriptOutputType.MULTI),
  QUEUE_ACK("queue-prelude", "queue-ack", ScriptOutputType.INTEGER),
  QUEUE_CANCEL("queue-prelude", "queue-cancel", ScriptOutputType.VALUE),
  QUEUE_RENEW("queue-prelude", "queue-renew", ScriptOutputType.MULTI),
  QUEUE_DONE("queue-prelude", "queue-done", ScriptOutputType.INTEGER),
  QUEUE_SHUTDOWN("queue-prelude", "queue-shutdown", ScriptOutputType.INTEGER),
  COUNT_EXCEPT(null, "count-except", ScriptOutputType.INTEGER),
  COUNT_FROM_EXCEPT(null, "count-from-except", ScriptOutputType.INTEGER);

  private final String source;
  private final String sha;
  private final ScriptOutputType output;

  Scripts(String prelude, String body, ScriptOutputType output) {
    this(output, body, prelude == null ? new String[0] : new String[] {prelude});
  }

  /**
   * A script whose body follows {@code preludes}, in order; a script with preludes keeps calls
   * waiting in Redis and starts with {@code common-prelude}, the arguments and clock they share.
   */
  Scripts(ScriptOutputType output, String body, String... preludes) {
    StringBuilder text = new StringBuilder();
    if (preludes.length > 0) {
      text.append(read("common-prelude")).append('\n');
    }
    for (String prelude : preludes) {
      text.append(read(prelude)).append('\n');
    }
    this.source = text.append(read(body)).toString();
    this.sha = sha1(source);
    this.output = output;
  }

  /** Runs this script; the future completes on a Netty thread. */
  <T> CompletableFuture<T> run(RedisScriptingAsyncCommands<String, String> redis, String[] keys,
      String... args) {
    return redis.<T>evalsha(sha, output, keys, args).toCompletableFuture()
        .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
            ? redis.<T>eval(source, output, keys, args).toCompletableFuture()
            : CompletableFuture.failedFuture(failure));
  }

  /** The SHA-1 by which {@code EVALSHA} names this script. */
  String sha() {
    return sha;
  }

  /** Loads every script into the server's script cache (after a connect, restart or flush). */
  static void loadAll(RedisScriptingAsyncCommands<String, String> redis) {
    for (Scripts script : values()) {
      redis.scriptLoad(script.source);
    }
  }

  static Throwable unwrap(Throwable failure) {
    while (failure instanceof java.util.concurrent.CompletionException
        && failure.getCause() != null) {
      failure = failure.getCause();
    }
    return failure;
  }

  private static String read(String name) {
    try (InputStream in = Scripts.class.getResourceAsStream(name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing script " + name + ".lua");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    return java.util.HexFormat.of().formatHex(digest(text));
  }

  private static byte[] digest(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-1")
          .digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }

  /** Preludes shared by several scripts (an enum constant cannot name a static field). */
  private static final class Preludes {
    /** What a condition's scripts follow: its lock's prelude, then the condition's own. */
    static final String[] CONDITION = {"permits-prelude", "condition-prelude"};
  }
}
