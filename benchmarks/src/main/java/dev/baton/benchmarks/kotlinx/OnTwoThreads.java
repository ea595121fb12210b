package dev.baton.benchmarks.kotlinx;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import kotlinx.coroutines.CoroutineDispatcher;
import kotlinx.coroutines.ExecutorsKt;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The two threads both sides of a peer benchmark run on: a fixed pool of two, used by Baton's
 * {@link Chain}s as their executor and by kotlinx.coroutines as their dispatcher
 * ({@code asCoroutineDispatcher}). A fresh pool per trial.
 */
abstract class OnTwoThreads {

  ExecutorService threads;
  CoroutineDispatcher dispatcher;

  @Setup(Level.Trial)
  public void startThreads() {
    threads = Executors.newFixedThreadPool(2, task -> {
      Thread thread = new Thread(task, "peers");
      thread.setDaemon(true);
      return thread;
    });
    dispatcher = ExecutorsKt.from(threads);
  }

  @TearDown(Level.Trial)
  public void stopThreads() {
    threads.shutdownNow();
  }
}
