package dev.baton.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.NodeSelectionAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Baton's Lua scripts, kept in Redis as one function library ({@code FUNCTION LOAD}, Redis 7.0 or
 * later) and run by name ({@code FCALL}).
 *
 * <p>A library is part of Redis's data: a {@code SCRIPT FLUSH}, a restart that keeps the data and
 * a failover to a replica all keep it, so every call runs in Redis in the order this JVM sent it.
 * (Scripts run by SHA were lost by each of these, and a call sent again in full after its
 * {@code NOSCRIPT} error ran after calls sent later: a cancel before its acquire, one acquire of
 * a JVM before an earlier one.) Only a server that lost the library (its data lost, a
 * {@code FUNCTION FLUSH}, a cluster node that joined later) answers that a function is unknown:
 * the library is then loaded again and that call sent again, so that it runs after calls sent
 * meanwhile; a restart that lost the data is covered by the restart quarantine. A waiting call
 * is sent again then only if its caller has not withdrawn it meanwhile, checked holding the
 * call's monitor as its withdrawal does: its CANCEL, which may run once the library is back,
 * never runs before it.
 *
 * <p>The library's name and its functions' names carry a digest of its text, so that instances
 * running different versions of Baton share a server without replacing each other's scripts.
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
  BARRIER_BREAK("barrier-prelude", "barrier-break", ScriptOutputType.MULTI),
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

  /** The load under way on each connection (see {@link #reload}). */
  private static final Map<RedisClusterAsyncCommands<String, String>, LibraryLoad> LOADING =
      new ConcurrentHashMap<>();

  private final String source;
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
    this.output = output;
  }

  /** Runs this script; the future completes on a Netty thread. */
  <T> CompletableFuture<T> run(RedisClusterAsyncCommands<String, String> redis, String[] keys,
      String... args) {
    String function = function();
    return send(redis, () -> redis.<T>fcall(function, output, keys, args).toCompletableFuture());
  }

  /**
   * Runs this script for a waiting call of this JVM (an acquire, a condition or barrier await, a
   * queue's put or take) as long as the call is {@code wanted}: each time its command is to be
   * written to the connection (here, and again after the library was loaded again, see
   * {@link #reload}), {@code wanted} is read and the command written holding {@code call}'s
   * monitor, which a withdrawal of the call holds while it makes {@code wanted} false, before it
   * sends its CANCEL. A command found wanted is therefore written before that CANCEL, on the same
   * connection, and runs in Redis before it; one found unwanted is not written, and the future
   * fails with {@link NotSent}. This is the one place where a waiting call's command is written,
   * whoever sends it: its first attempt, one after a {@code TRYAGAIN} ({@link TryAgain}), one
   * sent again after Redis forgot the call (a renewal's answer), or after a library load.
   *
   * <p>Limit: on a cluster, Lettuce writes a command for a node whose connection is still being
   * opened (the first to a primary new since a failover) once it is open, and two commands
   * waiting so may be written in either order. The second CANCEL that an acquire's or a barrier
   * await's late reply sends, and a take's giving back of an item received late, undo an attempt
   * run after its CANCEL even then; a put that goes straight into its queue so is not undone.
   */
  <T> CompletableFuture<T> run(RedisClusterAsyncCommands<String, String> redis, String[] keys,
      Object call, BooleanSupplier wanted, String... args) {
    String function = function();
    return send(redis, () -> {
      synchronized (call) { // a withdrawal makes the call unwanted holding it too
        return wanted.getAsBoolean()
            ? redis.<T>fcall(function, output, keys, args).toCompletableFuture()
            : CompletableFuture.failedFuture(new NotSent());
      }
    });
  }

  /** Writes a command with {@code write}, and again once the library is loaded if it was gone. */
  private static <T> CompletableFuture<T> send(RedisClusterAsyncCommands<String, String> redis,
      Supplier<CompletableFuture<T>> write) {
    return write.get().exceptionallyCompose(failure -> isUnknownFunction(failure)
        ? reload(redis).thenSend(write)
        : CompletableFuture.failedFuture(failure));
  }

  /** Whether {@code failure} says that a waiting call's command was not written (see NotSent). */
  static boolean isNotSent(Throwable failure) {
    return unwrap(failure) instanceof NotSent;
  }

  /**
   * A waiting call's command that was not written, the call being settled already (withdrawn by
   * its caller, or answered) when it was to be sent: Redis never saw it, and whoever settled the
   * call has acted on it, so the sender has nothing to do (see
   * {@link #run(RedisClusterAsyncCommands, String[], Object, BooleanSupplier, String...)}).
   */
  static final class NotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSent() {
      super("not sent: the call was settled before its command was written", null, false, false);
    }
  }

  /** The name by which {@code FCALL} calls this script. */
  String function() {
    return Library.FUNCTIONS[ordinal()];
  }

  /** The name of the library that holds every script. */
  static String library() {
    return Library.NAME;
  }

  /**
   * Loads the library into the server, or into every primary of a cluster that can be reached,
   * unless it is there already (after a connect or reconnect, or once a call found it missing).
   * Fails with an {@link IllegalStateException} saying so if the server is older than Redis 7.0.
   */
  static CompletableFuture<Void> load(RedisClusterAsyncCommands<String, String> redis) {
    return reload(redis).done();
  }

  /**
   * The calls on {@code redis}'s connection that found the library missing and wait for the load
   * under way, to be sent again: completes once they have been sent; null if no load is under
   * way.
   */
  static CompletableFuture<Void> resending(RedisClusterAsyncCommands<String, String> redis) {
    LibraryLoad load = LOADING.get(redis);
    return load == null ? null : load.resent();
  }

  /**
   * The load under way on {@code redis}'s connection, or a new one: calls that find the library
   * missing together share one load, rather than each sending the library's 175 KB, which Redis
   * takes milliseconds to compile.
   */
  private static LibraryLoad reload(RedisClusterAsyncCommands<String, String> redis) {
    LibraryLoad[] created = new LibraryLoad[1];
    LibraryLoad load = LOADING.computeIfAbsent(redis, r -> created[0] = new LibraryLoad());
    if (created[0] != null) {
      CompletableFuture<Void> loading;
      try {
        loading = listAndLoad(redis);
      } catch (RuntimeException e) { // not sent (a cluster whose nodes are unknown): it ends now
        loading = CompletableFuture.failedFuture(e);
      }
      loading.whenComplete((loaded, failure) -> {
        load.end(failure);
        LOADING.remove(redis, load);
      });
    }
    return load;
  }

  private static CompletableFuture<Void> listAndLoad(
      RedisClusterAsyncCommands<String, String> redis) {
    CompletableFuture<Void> loading;
    if (redis instanceof RedisAdvancedClusterAsyncCommands<String, String> cluster) {
      NodeSelectionAsyncCommands<String, String> primaries = cluster.upstream().commands();
      loading = ofReachable(primaries.functionList(Library.NAME).stream())
          .thenCompose(libraries -> libraries.stream().noneMatch(List::isEmpty)
              ? CompletableFuture.completedFuture(null)
              : ofReachable(primaries.functionLoad(Library.SOURCE).stream().map(Scripts::loaded))
                  .thenApply(loaded -> null));
    } else {
      loading = redis.functionList(Library.NAME).toCompletableFuture()
          .thenCompose(libraries -> libraries.isEmpty()
              ? loaded(redis.functionLoad(Library.SOURCE).toCompletableFuture())
              : CompletableFuture.completedFuture(null));
    }
    return loading.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
        String.valueOf(unwrap(failure).getMessage()).toLowerCase(Locale.ROOT)
            .contains("unknown command")
            ? new IllegalStateException("Baton's Redis backend needs Redis 7.0 or later, which"
                + " keeps its scripts as a function library, and the server answered: "
                + unwrap(failure).getMessage(), unwrap(failure))
            : failure));
  }

  /**
   * The replies of a cluster's primaries, passing over those that could not be reached (a primary
   * that is down, or one a failover replaced that the topology still lists): their slots are not
   * served now, and once one is back, the first call there that finds no library loads it. Fails
   * with a primary's error reply, or if none could be reached.
   */
  private static <T> CompletableFuture<List<T>> ofReachable(Stream<CompletableFuture<T>> replies) {
    List<CompletableFuture<T>> all = replies.toList();
    return CompletableFuture.allOf(all.stream().map(reply -> reply.handle((value, failure) -> null))
        .toArray(CompletableFuture[]::new)).thenCompose(settled -> {
          List<T> answers = new ArrayList<>();
          Throwable unreachable = null;
          for (CompletableFuture<T> reply : all) {
            Throwable failure = reply.handle((value, f) -> f == null ? null : unwrap(f)).join();
            if (failure == null) {
              answers.add(reply.join());
            } else if (failure instanceof RedisCommandExecutionException) {
              return CompletableFuture.failedFuture(failure);
            } else if (unreachable == null) {
              unreachable = failure;
            }
          }
          return answers.isEmpty() && unreachable != null
              ? CompletableFuture.failedFuture(unreachable)
              : CompletableFuture.completedFuture(answers);
        });
  }

  /** {@code FUNCTION LOAD}'s reply, a library loaded meanwhile by another instance taken too. */
  private static CompletableFuture<Void> loaded(CompletableFuture<String> reply) {
    return reply.<Void>thenApply(name -> null).exceptionallyCompose(failure ->
        String.valueOf(unwrap(failure).getMessage()).contains("already exists")
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.failedFuture(failure));
  }

  private static boolean isUnknownFunction(Throwable failure) {
    return unwrap(failure) instanceof RedisCommandExecutionException error
        && error.getMessage() != null && error.getMessage().startsWith("ERR Function not found");
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

  /**
   * The library: each script the body of a function named after the library and the script (as
   * {@code baton_<digest>_acquire}), its {@code KEYS} and {@code ARGV} the function's arguments.
   *
   * <p>Flags: a server at {@code maxmemory} that refuses writes refuses a put, which stores an
   * item, as it refuses any write that stores data; every other script may run there
   * ({@code allow-oom}; the counts only read, {@code no-writes}), so that permits are given back,
   * waits withdrawn, leases renewed and queues drained, each call adding at most a few small
   * records. (A function without flags is refused whole at {@code maxmemory}, a release too.)
   */
  private static final class Library {
    static final String NAME;
    static final String SOURCE;
    static final String[] FUNCTIONS;

    static {
      String name = "{library}";
      FUNCTIONS = new String[values().length];
      StringBuilder text = new StringBuilder("#!lua name=").append(name).append('\n');
      for (Scripts script : values()) {
        FUNCTIONS[script.ordinal()] = name + "_" + script.name().toLowerCase(Locale.ROOT);
        text.append("redis.register_function{function_name='")
            .append(FUNCTIONS[script.ordinal()]).append("', flags={").append(flags(script))
            .append("}, callback=function(KEYS, ARGV)\n").append(script.source)
            .append("\nend}\n");
      }
      NAME = "baton_" + sha1(text.toString()).substring(0, 16);
      SOURCE = text.toString().replace(name, NAME);
      for (int i = 0; i < FUNCTIONS.length; i++) {
        FUNCTIONS[i] = FUNCTIONS[i].replace(name, NAME);
      }
    }

    private static String flags(Scripts script) {
      return switch (script) {
        case QUEUE_PUT -> "";
        case COUNT_EXCEPT, COUNT_FROM_EXCEPT -> "'no-writes'";
        default -> "'allow-oom'";
      };
    }
  }

  /** Preludes shared by several scripts (an enum constant cannot name a static field). */
  private static final class Preludes {
    /** What a condition's scripts follow: its lock's prelude, then the condition's own. */
    static final String[] CONDITION = {"permits-prelude", "condition-prelude"};
  }
}
