package dev.baton.benchmarks;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.benchmarks.kotlinx.KotlinxRuns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import kotlinx.coroutines.Job;
import kotlinx.coroutines.sync.Mutex;
import kotlinx.coroutines.sync.MutexKt;
import kotlinx.coroutines.sync.Semaphore;
import kotlinx.coroutines.sync.SemaphoreKt;

/**
 * Heap bytes per pending waiter, measured with {@link MemoryMXBean} after full GCs.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.baton.benchmarks.WaiterFootprint \
 *       [--forks 3] [--rounds 6] [--waiters 1000000] [--json FILE]
 * </pre>
 *
 * <p>Method, per case and round, in a JVM of its own with a fixed pre-touched heap
 * ({@value #HEAP_FLAGS_TEXT}): create the primitive and take its only permit; allocate the array
 * that will hold the futures (so it is in both readings); queue one throw-away waiter so that
 * every class on the path is loaded; read the used heap after {@code System.gc()} three times;
 * queue {@code --waiters} acquires; read the used heap the same way again. Bytes per waiter is the
 * difference divided by the number of waiters: everything a pending acquire keeps alive (the
 * waiter, and for the {@code +callback} cases the {@code thenAccept(Permit::release)} completion
 * and its dependent future), but not the caller's array slot. The {@code kotlinx-} cases measure
 * the async peer the same way: a coroutine suspended in kotlinx.coroutines' {@code acquire()} or
 * {@code lock()}, the coroutine included. The first round of each JVM is a
 * warm-up and is dropped; each JVM reports the median of the rest; the summary gives the mean,
 * minimum and maximum over the JVMs ("forks").
 *
 * <p>Why {@code -XX:MarkSweepDeadRatio=0}: the used heap after a full GC is the live bytes only if
 * that GC compacts every region. By default G1's full GC (JDK 17) leaves in place a region whose
 * live share is above {@code 100 - MarkSweepDeadRatio} percent (95 %), and the dead space inside
 * it stays counted as used. A million waiters fill about 31 such regions, each with the
 * filler objects that closed its retired TLABs; without the flag those counted 34 kB, read as
 * 32.03 B per 32 B waiter, while a live class histogram found nothing but the waiters
 * (benchmarks/RESULTS.md, 2026-12-07). With the flag, or without TLABs, or under the Parallel or
 * Serial collector (which otherwise keep dead wood of their own in some readings), the reading is
 * the live bytes. G1 is named so that a small machine, where the JVM would pick Serial, measures
 * the same collector.
 *
 * <p>Why not JMH: an {@code @AuxCounters} counter of type {@code EVENTS} is summed, not averaged,
 * over iterations and forks, and single-shot mode supports no other kind, so JMH cannot report
 * "bytes per waiter" with an error bar. This class forks its JVMs itself, as JMH would.
 */
public final class WaiterFootprint {

  static final String HEAP_FLAGS_TEXT =
      "-Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:MarkSweepDeadRatio=0";
  private static final List<String> HEAP_FLAGS = List.of(HEAP_FLAGS_TEXT.split(" "));
  private static final List<String> CASES = List.of("semaphore", "semaphore+callback", "lock",
      "lock+callback", "kotlinx-semaphore", "kotlinx-mutex");
  private static final String RESULT = "RESULT ";

  private WaiterFootprint() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    int forks = 3;
    int rounds = 6;
    int waiters = 1_000_000;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--forks" -> forks = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--waiters" -> waiters = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: WaiterFootprint [--forks N] [--rounds N] [--waiters N] [--json FILE]");
      }
    }
    if (rounds < 2) {
      throw new IllegalArgumentException("--rounds must be at least 2: the first is a warm-up");
    }
    if (forks == 0) {
      // This JVM is a fork: measure and print one RESULT line per case.
      if (!ManagementFactory.getRuntimeMXBean().getInputArguments().containsAll(HEAP_FLAGS)) {
        System.out.println("# warning: not started with " + HEAP_FLAGS_TEXT
            + ", so the readings may count dead objects a full GC left in place");
      }
      for (Map.Entry<String, Double> e : measureHere(rounds, waiters).entrySet()) {
        System.out.printf(Locale.ROOT, "%s%s %.2f%n", RESULT, e.getKey(), e.getValue());
      }
      return;
    }
    Map<String, List<Double>> perFork = new LinkedHashMap<>();
    for (int f = 1; f <= forks; f++) {
      System.out.printf("# Fork %d of %d: %s, %d rounds of %,d waiters%n", f, forks,
          HEAP_FLAGS_TEXT, rounds, waiters);
      fork(rounds, waiters).forEach(
          (name, bytes) -> perFork.computeIfAbsent(name, k -> new ArrayList<>()).add(bytes));
    }
    report(perFork, waiters, json);
  }

  /** Runs {@code rounds} rounds of every case in this JVM: median bytes per waiter per case. */
  static Map<String, Double> measureHere(int rounds, int waiters) {
    Map<String, double[]> samples = new LinkedHashMap<>();
    for (String name : CASES) {
      samples.put(name, new double[rounds - 1]);
    }
    for (int r = 0; r < rounds; r++) {
      for (String name : CASES) {
        double bytes = bytesPerWaiter(name, waiters);
        System.out.printf(Locale.ROOT, "%s round %d: %-20s %.2f bytes per waiter (%,d bytes)%n",
            r == 0 ? "warm-up" : "measured", r, name, bytes, Math.round(bytes * waiters));
        if (r > 0) {
          samples.get(name)[r - 1] = bytes;
        }
      }
    }
    Map<String, Double> medians = new LinkedHashMap<>();
    samples.forEach((name, s) -> medians.put(name, median(s)));
    return medians;
  }

  private static double bytesPerWaiter(String name, int waiters) {
    if (name.startsWith("kotlinx-")) {
      return bytesPerCoroutine(name, waiters);
    }
    boolean callback = name.endsWith("+callback");
    Supplier<CompletableFuture<Permit>> acquire;
    IntSupplier waiting;
    Object primitive;
    if (name.startsWith("semaphore")) {
      AsyncSemaphore semaphore = AsyncSemaphore.create(1);
      acquire = semaphore::acquire;
      waiting = semaphore::waiters;
      primitive = semaphore;
    } else {
      AsyncLock lock = AsyncLock.create();
      acquire = lock::acquire;
      waiting = lock::waiters;
      primitive = lock;
    }
    Permit holder = acquire.get().join();
    Object[] pending = new Object[waiters];
    Object warmUp = callback ? acquire.get().thenAccept(Permit::release) : acquire.get();

    long before = usedHeapAfterGc();
    for (int i = 0; i < waiters; i++) {
      pending[i] = callback ? acquire.get().thenAccept(Permit::release) : acquire.get();
    }
    long after = usedHeapAfterGc();

    if (waiting.getAsInt() != waiters + 1) {
      throw new IllegalStateException(waiting.getAsInt() + " waiting, expected " + (waiters + 1));
    }
    Reference.reachabilityFence(pending);
    Reference.reachabilityFence(warmUp);
    Reference.reachabilityFence(holder);
    Reference.reachabilityFence(primitive);
    return (after - before) / (double) waiters;
  }

  /**
   * The kotlinx.coroutines peer: a coroutine suspended in {@code Semaphore.acquire()} or
   * {@code Mutex.lock()}, and everything it keeps alive, the coroutine itself included (its
   * {@code Job} is what the caller keeps, as Baton's callers keep a future). Compare with Baton's
   * {@code +callback} cases, where a callback waits for the grant.
   */
  private static double bytesPerCoroutine(String name, int waiters) {
    Supplier<Job> wait;
    Object primitive;
    if (name.equals("kotlinx-semaphore")) {
      Semaphore semaphore = SemaphoreKt.Semaphore(1, 1);
      wait = () -> KotlinxRuns.waitFor(semaphore);
      primitive = semaphore;
    } else {
      Mutex mutex = MutexKt.Mutex(true);
      wait = () -> KotlinxRuns.waitFor(mutex);
      primitive = mutex;
    }
    Job[] pending = new Job[waiters];
    Job warmUp = wait.get();

    long before = usedHeapAfterGc();
    for (int i = 0; i < waiters; i++) {
      pending[i] = wait.get();
    }
    long after = usedHeapAfterGc();

    for (Job job : pending) {
      if (!job.isActive()) {
        throw new IllegalStateException("a coroutine stopped waiting for the " + name);
      }
    }
    Reference.reachabilityFence(warmUp);
    Reference.reachabilityFence(primitive);
    return (after - before) / (double) waiters;
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Runs this class in a fresh JVM with {@link #HEAP_FLAGS} and collects its RESULT lines. */
  private static Map<String, Double> fork(int rounds, int waiters)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(HEAP_FLAGS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        WaiterFootprint.class.getName(), "--forks", "0", "--rounds", String.valueOf(rounds),
        "--waiters", String.valueOf(waiters)));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, Double> results = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith(RESULT)) {
          String[] parts = line.substring(RESULT.length()).split(" ");
          results.put(parts[0], Double.parseDouble(parts[1]));
        } else {
          System.out.println("  " + line);
        }
      }
    }
    int exit = child.waitFor();
    if (exit != 0 || results.size() != CASES.size()) {
      throw new IllegalStateException("fork failed with exit code " + exit);
    }
    return results;
  }

  private static void report(Map<String, List<Double>> perFork, int waiters, Path json)
      throws IOException {
    System.out.printf("%n%-20s %6s %8s %8s %8s  (heap bytes per pending waiter, %,d waiters)%n",
        "case", "forks", "mean", "min", "max", waiters);
    StringBuilder out = new StringBuilder("[\n");
    int n = 0;
    for (Map.Entry<String, List<Double>> e : perFork.entrySet()) {
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      double mean = Arrays.stream(v).average().orElseThrow();
      double min = Arrays.stream(v).min().orElseThrow();
      double max = Arrays.stream(v).max().orElseThrow();
      System.out.printf(Locale.ROOT, "%-20s %6d %8.2f %8.2f %8.2f%n", e.getKey(), v.length, mean,
          min, max);
      out.append(String.format(Locale.ROOT,
          "  {\"case\": \"%s\", \"waiters\": %d, \"jvmArgs\": \"%s\", \"unit\": \"bytes/waiter\","
              + " \"mean\": %.2f, \"min\": %.2f, \"max\": %.2f, \"perFork\": %s}%s%n",
          e.getKey(), waiters, HEAP_FLAGS_TEXT, mean, min, max, e.getValue(),
          ++n < perFork.size() ? "," : ""));
    }
    out.append("]\n");
    if (json != null) {
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, out);
      System.out.println("Wrote " + json);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
