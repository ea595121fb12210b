package dev.baton.redis;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM for tests: a child process that connects its own {@link RedisBackend} and holds
 * or waits for a lock, waits on a condition or at a barrier, printing what happens, until it is
 * killed with SIGKILL. Its {@link #main} is the child's side.
 */
final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("EXIT " + e);
      }
    }, "child-jvm-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a child that {@code hold}s or {@code wait}s for lock {@code name}, waits on condition
   * {@code name} ({@code condition}), at barrier {@code name} ({@code barrier}, with the number
   * of parties as {@code more}), or {@code consume}s queue {@code name} (FIFO, unbounded, strings),
   * printing {@code GOT <item>} for each item as its take completes, one take at a time, 20 ms
   * apart.
   */
  static ChildJvm start(RedisServer server, Duration lease, String mode, String name,
      String... more) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-cp",
        System.getProperty("java.class.path"), ChildJvm.class.getName(),
        Integer.toString(server.port()), Long.toString(lease.toMillis()), mode, name));
    command.addAll(List.of(more));
    try {
      return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next line starting with {@code prefix} the child prints, waiting at most {@code max}. */
  String expect(String prefix, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    for (;;) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("the child did not print " + prefix + " within " + max
            + "; it printed " + unread());
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Everything the child printed and nobody expected yet. */
  List<String> unread() {
    return List.copyOf(lines);
  }

  /** SIGKILL, and waits for the process to end and for everything it printed to be read. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** SIGSTOP: the child stops where it is, its connections open, until {@link #resume()}. */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  /**
   * The child: {@code port leaseMillis hold|hold-until-lost|wait|condition|barrier|consume name
   * [parties]}; {@code hold-until-lost} prints {@code LOST} and how its release ended once its
   * permit reads as released.
   */
  public static void main(String[] args) throws InterruptedException {
    RedisBackend backend = RedisBackend.connect(
        io.lettuce.core.RedisURI.create("redis://127.0.0.1:" + args[0]),
        RedisBackendOptions.DEFAULTS.withLease(Duration.ofMillis(Long.parseLong(args[1])))
            .withCommandTimeout(Duration.ofSeconds(2)));
    if (args[2].equals("consume")) {
      AsyncQueue<String> queue =
          backend.queue(args[3], QueueSpec.fifo(Integer.MAX_VALUE), ItemCodec.strings());
      // Before the first take: expect("CONSUMING") drops what comes ahead of it, which would
      // then have been a GOT line the parent never counts.
      System.out.println("CONSUMING");
      System.out.flush();
      consume(queue);
      new CountDownLatch(1).await();
    }
    AsyncLock lock = backend.lock(args[3]);
    if (args[2].equals("condition")) {
      AsyncCondition condition = backend.condition(args[3]);
      condition.await(condition.acquire().join()).whenComplete((permit, failure) -> System.out
          .println(failure == null ? "SIGNALLED " + permit.token() : "FAILED " + failure));
      System.out.println("AWAITING");
    } else if (args[2].equals("barrier")) {
      backend.barrier(args[3], Integer.parseInt(args[4])).await().whenComplete((index, failure) ->
          System.out.println(failure == null ? "INDEX " + index : "FAILED " + failure));
      System.out.println("ARRIVED");
    } else if (args[2].equals("hold")) {
      Permit permit = lock.acquire().join();
      System.out.println("HELD " + permit.token());
    } else if (args[2].equals("hold-until-lost")) {
      Permit permit = lock.acquire().join();
      System.out.println("HELD " + permit.token());
      reportWhenLost((RedisPermit) permit);
    } else {
      lock.acquire().whenComplete((permit, failure) -> System.out.println(
          failure == null ? "GRANTED " + permit.token() : "FAILED " + failure));
      System.out.println("ASKED");
    }
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /** Prints {@code LOST <isLost>} once {@code permit} reads as released, then how release ends. */
  private static void reportWhenLost(RedisPermit permit) {
    if (!permit.isReleased()) {
      CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)
          .execute(() -> reportWhenLost(permit));
      return;
    }
    String released;
    try {
      permit.release();
      released = "RELEASED";
    } catch (RuntimeException e) {
      released = "RELEASE-FAILED " + e.getClass().getSimpleName();
    }
    System.out.println("LOST " + permit.isLost());
    System.out.println(released);
    System.out.flush();
  }

  private static void consume(AsyncQueue<String> queue) {
    queue.take().thenAccept(item -> {
      synchronized (System.out) {
        System.out.println("GOT " + item);
        System.out.flush();
      }
    }).thenRunAsync(() -> consume(queue),
        CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
  }
}
