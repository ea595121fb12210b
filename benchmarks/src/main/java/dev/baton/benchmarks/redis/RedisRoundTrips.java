package dev.baton.benchmarks.redis;

import dev.baton.benchmarks.redis.CommandMonitor.Counts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Round trips per uncontended acquire+release, counted on the server: {@code ops} sequential
 * lock/unlock pairs of each {@link Library} on a lock of its own, with Redis's {@code MONITOR}
 * listing every command it ran meanwhile ({@link CommandMonitor}). Each command a client sends is
 * one round trip (awaited or not); commands that scripts run inside Redis are counted apart, as
 * the server-side work per operation. The window includes background traffic of the same
 * length of time (Baton's lease renewals, Redisson's pings), which is part of what each costs.
 * Target from issue 12: 2 round trips per acquire+release for Baton.
 *
 * <p>{@code java -cp benchmarks.jar dev.baton.benchmarks.redis.RedisRoundTrips [--ops N]
 * [--json FILE]}
 */
public final class RedisRoundTrips {

  private RedisRoundTrips() {}

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
    List<String> results = new ArrayList<>();
    try (RedisServerProcess server = RedisServerProcess.start();
        LockClients clients = LockClients.open(server.port());
        CommandMonitor monitor = CommandMonitor.attach(server.port())) {
      for (Library library : Library.values()) {
        Library.Lock lock = library.lock(clients, "round-trips-" + library);
        run(lock, ops / 10); // warm-up, and the first EVAL of each script
        Thread.sleep(300); // Baton's last release, sent without waiting, lands first
        monitor.mark("start-" + library);
        run(lock, ops);
        Thread.sleep(300);
        monitor.mark("end-" + library);
        CommandMonitor.Counts counts = monitor.between("start-" + library, "end-" + library);
        System.out.printf(Locale.ROOT, "%-8s %d acquire+release: %.3f round trips each %s;"
                + " %.2f commands inside scripts each %s%n", library, ops,
            (double) counts.totalSent() / ops, Counts.perOp(counts.sent(), ops),
            (double) counts.totalInScripts() / ops, Counts.perOp(counts.inScripts(), ops));
        results.add(String.format(Locale.ROOT, "\"%s\": {\"ops\": %d, \"roundTripsPerOp\": %.4f,"
                + " \"commandsInScriptsPerOp\": %.4f, \"sent\": %s, \"inScripts\": %s}",
            library.name().toLowerCase(), ops, (double) counts.totalSent() / ops,
            (double) counts.totalInScripts() / ops, Counts.toJson(counts.sent()),
            Counts.toJson(counts.inScripts())));
      }
    }
    if (json != null) {
      Files.writeString(json, "{" + String.join(", ", results) + "}\n");
    }
  }

  private static void run(Library.Lock lock, int ops) {
    for (int i = 0; i < ops; i++) {
      lock.lock();
      lock.unlock();
    }
  }
}
