package dev.baton.benchmarks.kotlinx

import java.util.function.Consumer
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.sync.withPermit
import org.openjdk.jmh.infra.Blackhole

/**
 * The kotlinx.coroutines side of [LockPeersBenchmark], [QueuePeersBenchmark] and of the footprint
 * comparison ([dev.baton.benchmarks.WaiterFootprint]), written as a Kotlin user would: coroutines
 * on a dispatcher, each a loop of `withLock` (or `withPermit`, `send`, `receive`). Each run returns
 * once every coroutine has finished.
 */
object KotlinxRuns {

  /** [tasks] coroutines on [dispatcher], each running [sections] critical sections of [work]. */
  @JvmStatic
  fun mutex(mutex: Mutex, dispatcher: CoroutineDispatcher, tasks: Int, sections: Int, work: Long) =
    runBlocking {
      repeat(tasks) {
        launch(dispatcher) { repeat(sections) { mutex.withLock { Blackhole.consumeCPU(work) } } }
      }
    }

  /** As [mutex], on a semaphore of one permit. */
  @JvmStatic
  fun semaphore(
    semaphore: Semaphore, dispatcher: CoroutineDispatcher, tasks: Int, sections: Int, work: Long,
  ) = runBlocking {
    repeat(tasks) {
      launch(dispatcher) {
        repeat(sections) { semaphore.withPermit { Blackhole.consumeCPU(work) } }
      }
    }
  }

  /**
   * [pairs] producers each sending [item] [items] times through a channel of [capacity] to [pairs]
   * consumers each receiving as many and handing each item to [taken], all on [dispatcher]. The
   * item is sent as it is, boxed once by the caller as Baton's side puts it, not boxed per send.
   */
  @JvmStatic
  fun <T> channel(
    capacity: Int, dispatcher: CoroutineDispatcher, pairs: Int, items: Int, item: T,
    taken: Consumer<T>,
  ) = runBlocking {
    val channel = Channel<T>(capacity)
    repeat(pairs) {
      launch(dispatcher) { repeat(items) { channel.send(item) } }
      launch(dispatcher) { repeat(items) { taken.accept(channel.receive()) } }
    }
  }

  /** A coroutine left waiting for [mutex], which someone holds, until cancelled. */
  @JvmStatic
  @OptIn(DelicateCoroutinesApi::class)
  fun waitFor(mutex: Mutex): Job = GlobalScope.launch(Dispatchers.Unconfined) { mutex.lock() }

  /** A coroutine left waiting for a permit of [semaphore], all taken, until cancelled. */
  @JvmStatic
  @OptIn(DelicateCoroutinesApi::class)
  fun waitFor(semaphore: Semaphore): Job =
    GlobalScope.launch(Dispatchers.Unconfined) { semaphore.acquire() }
}
