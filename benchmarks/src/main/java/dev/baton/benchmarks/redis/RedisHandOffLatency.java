package dev.baton.benchmarks.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Contended hand-off latency of a Redis lock between two JVMs: from the moment the holder in
 * this JVM calls unlock to the moment a waiter in another JVM ({@link HandOffPartner}, started
 * with the same class path) holds the lock. Per sample: this JVM takes the lock, tells the
 * partner to wait for it, gives the partner's lock call {@code --pause-ms} to reach Redis and
 * wait there, notes {@link System#nanoTime()} and unlocks; the partner notes the time it got
 * the lock. Both times are read from the same clock ({@code CLOCK_MONOTONIC}, which HotSpot on
 * Linux uses for {@code nanoTime} in every process). Samples alternate between the libraries,
 * so both see the same machine; the first {@code --warmup} of each are dropped.
 *
 * <p>Baton hands the lock over inside Redis (its RELEASE script grants the oldest waiter and
 * publishes the grant to the waiter's JVM); Redisson's unlock publishes that the lock is free,
 * and the waiter, subscribed, tries to take it again: one more round trip.
 *
 * <p>{@code java -cp benchmarks.jar dev.baton.benchmarks.redis.RedisHandOffLatency [--samples N]
 * [--warmup N] [--pause-ms N] [--json FILE]}
 */
public final class RedisHandOffLatency {

  private RedisHandOffLatency() {}

  static String lockName(Library library) {
    return "hand-off-" + library;
  }

  public static void main(String[] args) throws Exception {
    int samples = 1500;
    int warmup = 300;
    long pauseMillis = 5;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--samples" -> samples = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--pause-ms" -> pauseMillis = Long.parseLong(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Map<Library, long[]> latencies = new EnumMap<>(Library.class);
    try (RedisServerProcess server = RedisServerProcess.start();
        LockClients clients = LockClients.open(server.port())) {
      Process partner = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), HandOffPartner.class.getName(),
          Integer.toString(server.port()))
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      try (PrintStream to = new PrintStream(partner.getOutputStream(), true,
          StandardCharsets.US_ASCII);
          BufferedReader from = new BufferedReader(
              new InputStreamReader(partner.getInputStream(), StandardCharsets.US_ASCII))) {
        expect(from, "ready");
        Map<Library, Library.Lock> locks = new EnumMap<>(Library.class);
        for (Library library : Library.values()) {
          locks.put(library, library.lock(clients, lockName(library)));
          latencies.put(library, new long[samples]);
        }
        for (int i = 0; i < (warmup + samples) * Library.values().length; i++) {
          Library library = Library.values()[i % Library.values().length];
          Library.Lock lock = locks.get(library);
          lock.lock();
          to.println("wait " + library);
          expect(from, "waiting");
          Thread.sleep(pauseMillis);
          long releasedAt = System.nanoTime();
          lock.unlock();
          long acquiredAt = Long.parseLong(from.readLine());
          int sample = i / Library.values().length - warmup;
          if (sample >= 0) {
            latencies.get(library)[sample] = acquiredAt - releasedAt;
          }
        }
      }
      if (!partner.waitFor(30, TimeUnit.SECONDS)) {
        partner.destroyForcibly();
        throw new IllegalStateException("the hand-off partner JVM did not exit");
      }
    }
    report(latencies, samples, json);
  }

  private static void report(Map<Library, long[]> latencies, int samples, Path json)
      throws IOException {
    List<String> results = new ArrayList<>();
    latencies.forEach((library, nanos) -> {
      Arrays.sort(nanos);
      System.out.printf(Locale.ROOT, "%-8s hand-off between two JVMs, %d samples: median %.0f µs,"
              + " p90 %.0f µs, p99 %.0f µs, max %.0f µs%n", library, samples,
          micros(nanos, 0.5), micros(nanos, 0.9), micros(nanos, 0.99), micros(nanos, 1.0));
      results.add(String.format(Locale.ROOT, "\"%s\": {\"samples\": %d, \"medianMicros\": %.1f,"
              + " \"p90Micros\": %.1f, \"p99Micros\": %.1f, \"maxMicros\": %.1f}",
          library.name().toLowerCase(), samples, micros(nanos, 0.5), micros(nanos, 0.9),
          micros(nanos, 0.99), micros(nanos, 1.0)));
    });
    if (json != null) {
      Files.writeString(json, "{" + String.join(", ", results) + "}\n");
    }
  }

  /** The {@code quantile} of sorted {@code nanos}, nearest rank, in microseconds. */
  private static double micros(long[] nanos, double quantile) {
    int rank = (int) Math.ceil(quantile * nanos.length);
    return nanos[Math.max(0, rank - 1)] / 1000.0;
  }

  private static void expect(BufferedReader from, String line) throws IOException {
    String got = from.readLine();
    if (!line.equals(got)) {
      throw new IllegalStateException("the hand-off partner said " + got + ", not " + line);
    }
  }
}
