package dev.baton.benchmarks.redis;

import static dev.baton.benchmarks.redis.RedisQueueBenchmark.BATCH;
import static dev.baton.benchmarks.redis.RedisQueueBenchmark.CAPACITY;
import static dev.baton.benchmarks.redis.RedisQueueBenchmark.ITEM;

import dev.baton.AsyncQueue;
import dev.baton.benchmarks.redis.CommandMonitor.Counts;
import dev.baton.redis.ItemCodec;
import dev.baton.redis.QueueSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.redisson.api.RBlockingQueue;
import org.redisson.api.RBoundedBlockingQueue;
import org.redisson.client.codec.StringCodec;

/**
 * Round trips and Redis's own work per queue put+take, counted on the server, for each way the
 * two libraries are used here: {@code ops} sequential operations per scenario, each on a queue of
 * its own, after {@code ops / 10} unrecorded ones.
 *
 * <ol>
 *   <li>With Redis's {@code MONITOR} listing every command it runs ({@link CommandMonitor}): the
 *       commands clients sent per operation (each one round trip, awaited or not) and those
 *       scripts ran inside Redis. The window includes background traffic of the same length of
 *       time (Baton's renewals, Redisson's pings).
 *   <li>Without {@code MONITOR}, which costs the server work of its own ({@link ServerStats}): the
 *       {@code redis-server} process's CPU time per operation, and the time Redis spent running
 *       the commands clients sent (for a script, with everything it calls).
 * </ol>
 *
 * <p>The scenarios: put then take, as {@code RedisQueueBenchmark}'s rounds; its pipelined batches
 * ({@value RedisQueueBenchmark#BATCH} puts then as many takes in flight, counted per item); a
 * take sent first and left {@value #WAIT_MS} ms to wait in Redis, then the put that hands it its
 * item; Baton's round with {@code taskDone()} after the take (Redisson has no counterpart); and
 * the round on a queue of capacity {@value RedisQueueBenchmark#CAPACITY}.
 *
 * <p>{@code java -cp benchmarks.jar dev.baton.benchmarks.redis.RedisQueueRoundTrips [--ops N]
 * [--json FILE]}
 */
public final class RedisQueueRoundTrips {

  /** How long a take is left to reach Redis and wait there before the put that feeds it. */
  static final long WAIT_MS = 2;
  /**
   * How long each window stays open after its last operation, so that Baton's last
   * acknowledgement (sent without waiting) is in it; a local Redis runs it within a millisecond.
   */
  static final long SETTLE_MS = 100;

  private RedisQueueRoundTrips() {}

  /** {@code items} put+take pairs of one library, done the same way every time. */
  private interface Operation {
    void run() throws Exception;
  }

  /** {@code baton}: the scenario uses Baton's backend; otherwise Redisson's client. */
  private record Scenario(String name, boolean baton, String how, int items,
      Operation operation) {

    Scenario(String name, boolean baton, String how, Operation operation) {
      this(name, baton, how, 1, operation);
    }
  }

  public static void main(String[] args) throws Exception {
    int ops = 2000;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ops" -> ops = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Map<String, String> results = new LinkedHashMap<>();
    try (RedisServerProcess server = RedisServerProcess.start();
        LockClients clients = LockClients.open(server.port())) {
      List<Scenario> scenarios = scenarios(clients);
      Map<String, CommandMonitor.Counts> counts = new LinkedHashMap<>();
      try (CommandMonitor monitor = CommandMonitor.attach(server.port())) {
        // Baton sends every command on one connection: learn its address, so that each library
        // is charged with its own commands only (both clients stay connected throughout).
        monitor.mark("find-baton");
        if (clients.baton.queue("round-trips-probe", QueueSpec.fifo(1), ItemCodec.strings())
            .size() != 0) {
          throw new IllegalStateException("the probe queue is not empty");
        }
        monitor.mark("found-baton");
        String baton = monitor.clientOf("find-baton", "found-baton", "zcard");
        for (Scenario scenario : scenarios) {
          run(scenario, ops / 10);
          Thread.sleep(SETTLE_MS); // the last acknowledgement, sent without waiting, lands first
          monitor.mark("start-" + scenario.name());
          run(scenario, ops);
          Thread.sleep(SETTLE_MS);
          monitor.mark("end-" + scenario.name());
          counts.put(scenario.name(), monitor.between("start-" + scenario.name(),
              "end-" + scenario.name(), client -> client.equals(baton) == scenario.baton()));
        }
      }
      try (ServerStats stats = ServerStats.connect(server.port())) {
        for (Scenario scenario : scenarios) {
          run(scenario, ops / 10);
          Thread.sleep(SETTLE_MS);
          stats.reset();
          double cpuBefore = stats.cpuSeconds();
          int n = run(scenario, ops);
          Thread.sleep(SETTLE_MS);
          double cpuMicros = (stats.cpuSeconds() - cpuBefore) * 1e6 / n;
          CommandMonitor.Counts sent = counts.get(scenario.name());
          Map<String, long[]> commands = stats.commands();
          double sentMicros = sent.sent().keySet().stream()
              .map(command -> command.split(" ")[0])
              .distinct()
              .mapToLong(command -> commands.getOrDefault(command, new long[2])[1])
              .sum() / (double) n;
          System.out.printf(Locale.ROOT, "%s, %d × %s: %.3f round trips each %s; %.2f commands"
                  + " inside scripts each %s; Redis CPU %.1f µs each, of which running the"
                  + " commands sent %.1f µs%n", scenario.name(), n, scenario.how(),
              (double) sent.totalSent() / n, Counts.perOp(sent.sent(), n),
              (double) sent.totalInScripts() / n, Counts.perOp(sent.inScripts(), n), cpuMicros,
              sentMicros);
          results.put(scenario.name(), String.format(Locale.ROOT, "{\"how\": \"%s\", \"ops\": %d,"
                  + " \"roundTripsPerOp\": %.4f, \"commandsInScriptsPerOp\": %.4f,"
                  + " \"redisCpuMicrosPerOp\": %.2f, \"sentCommandsMicrosPerOp\": %.2f,"
                  + " \"sent\": %s, \"inScripts\": %s}", scenario.how(), n,
              (double) sent.totalSent() / n, (double) sent.totalInScripts() / n, cpuMicros,
              sentMicros, Counts.toJson(sent.sent()), Counts.toJson(sent.inScripts())));
        }
      }
    }
    if (json != null) {
      Files.writeString(json, results.entrySet().stream()
          .map(e -> "\"" + e.getKey() + "\": " + e.getValue())
          .collect(Collectors.joining(", ", "{", "}\n")));
    }
  }

  private static List<Scenario> scenarios(LockClients clients) {
    AsyncQueue<String> baton = batonQueue(clients, "round-trips", Integer.MAX_VALUE);
    AsyncQueue<String> batonPipelined =
        batonQueue(clients, "round-trips-pipelined", Integer.MAX_VALUE);
    AsyncQueue<String> batonWaiting = batonQueue(clients, "round-trips-waiting", Integer.MAX_VALUE);
    AsyncQueue<String> batonDone = batonQueue(clients, "round-trips-done", Integer.MAX_VALUE);
    AsyncQueue<String> batonBounded = batonQueue(clients, "round-trips-bounded", CAPACITY);
    RBlockingQueue<String> redisson =
        clients.redisson.getBlockingQueue("round-trips", StringCodec.INSTANCE);
    RBlockingQueue<String> redissonPipelined =
        clients.redisson.getBlockingQueue("round-trips-pipelined", StringCodec.INSTANCE);
    RBlockingQueue<String> redissonWaiting =
        clients.redisson.getBlockingQueue("round-trips-waiting", StringCodec.INSTANCE);
    RBoundedBlockingQueue<String> redissonBounded =
        clients.redisson.getBoundedBlockingQueue("round-trips-bounded"); // see RedisQueueBenchmark
    if (!redissonBounded.trySetCapacity(CAPACITY)) {
      throw new IllegalStateException("Redisson's bounded queue had a capacity already");
    }
    return List.of(
        new Scenario("batonRound", true, "put().join(), take().join()", () -> {
          baton.put(ITEM).join();
          check(baton.take().join());
        }),
        new Scenario("batonPipelined", true, BATCH + " put() then " + BATCH + " take() in flight",
            BATCH, () -> {
              List<CompletableFuture<Void>> puts = times(batonPipelined::put);
              List<CompletableFuture<String>> takes = times(ignored -> batonPipelined.take());
              takes.forEach(take -> check(take.join()));
              puts.forEach(CompletableFuture::join);
            }),
        new Scenario("batonTakeWaiting", true, "take() waiting, then put().join()", () -> {
          CompletableFuture<String> taken = batonWaiting.take();
          Thread.sleep(WAIT_MS);
          batonWaiting.put(ITEM).join();
          check(taken.join());
        }),
        new Scenario("batonRoundTaskDone", true, "put().join(), take().join(), taskDone()",
            () -> {
              batonDone.put(ITEM).join();
              check(batonDone.take().join());
              batonDone.taskDone();
            }),
        new Scenario("batonBoundedRound", true, "the round, capacity " + CAPACITY, () -> {
          batonBounded.put(ITEM).join();
          check(batonBounded.take().join());
        }),
        new Scenario("redissonAsyncRound", false, "offerAsync().join(), takeAsync().join()",
            () -> {
              redisson.offerAsync(ITEM).toCompletableFuture().join();
              check(redisson.takeAsync().toCompletableFuture().join());
            }),
        new Scenario("redissonAsyncPipelined", false,
            BATCH + " offerAsync() then " + BATCH + " takeAsync() in flight", BATCH, () -> {
              List<CompletableFuture<Boolean>> puts =
                  times(item -> redissonPipelined.offerAsync(item).toCompletableFuture());
              List<CompletableFuture<String>> takes =
                  times(ignored -> redissonPipelined.takeAsync().toCompletableFuture());
              takes.forEach(take -> check(take.join()));
              puts.forEach(CompletableFuture::join);
            }),
        new Scenario("redissonTakeWaiting", false, "takeAsync() waiting, then offerAsync().join()",
            () -> {
              CompletableFuture<String> taken = redissonWaiting.takeAsync().toCompletableFuture();
              Thread.sleep(WAIT_MS);
              redissonWaiting.offerAsync(ITEM).toCompletableFuture().join();
              check(taken.join());
            }),
        new Scenario("redissonBoundedAsyncRound", false, "the async round, capacity " + CAPACITY,
            () -> {
              redissonBounded.offerAsync(ITEM).toCompletableFuture().join();
              check(redissonBounded.takeAsync().toCompletableFuture().join());
            }));
  }

  private static AsyncQueue<String> batonQueue(LockClients clients, String name, int capacity) {
    return clients.baton.queue(name, QueueSpec.fifo(capacity), ItemCodec.strings());
  }

  /** Runs {@code ops} put+take pairs, rounded down to whole batches; returns how many ran. */
  private static int run(Scenario scenario, int ops) throws Exception {
    int batches = ops / scenario.items();
    for (int i = 0; i < batches; i++) {
      scenario.operation().run();
    }
    return batches * scenario.items();
  }

  /** {@link RedisQueueBenchmark#BATCH} calls sent without waiting, each given the item. */
  private static <F> List<F> times(Function<String, F> call) {
    List<F> futures = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      futures.add(call.apply(ITEM));
    }
    return futures;
  }

  private static void check(String item) {
    if (!ITEM.equals(item)) {
      throw new IllegalStateException("a take returned " + item + " instead of the item put");
    }
  }
}
