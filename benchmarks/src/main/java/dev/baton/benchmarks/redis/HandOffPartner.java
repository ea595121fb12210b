package dev.baton.benchmarks.redis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The other JVM of {@link RedisHandOffLatency}: on each {@code wait LIBRARY} line on its standard
 * input it says {@code waiting}, takes that library's lock (waiting for the parent to release
 * it), notes {@link System#nanoTime()}, unlocks, and writes the time it took the lock. Its
 * standard output carries only that protocol: logging goes to standard error.
 *
 * <p>{@code HandOffPartner PORT}
 */
public final class HandOffPartner {

  private HandOffPartner() {}

  public static void main(String[] args) throws Exception {
    PrintStream protocol = System.out;
    System.setOut(System.err);
    BufferedReader commands =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    try (LockClients clients = LockClients.open(Integer.parseInt(args[0]))) {
      Map<Library, Library.Lock> locks = new EnumMap<>(Library.class);
      for (Library library : Library.values()) {
        locks.put(library, library.lock(clients, RedisHandOffLatency.lockName(library)));
      }
      protocol.println("ready");
      protocol.flush();
      for (String line = commands.readLine(); line != null && line.startsWith("wait ");
          line = commands.readLine()) {
        Library.Lock lock = locks.get(Library.valueOf(line.substring("wait ".length())));
        protocol.println("waiting");
        protocol.flush();
        lock.lock();
        long acquiredAt = System.nanoTime();
        lock.unlock();
        protocol.println(acquiredAt);
        protocol.flush();
      }
    }
  }
}
