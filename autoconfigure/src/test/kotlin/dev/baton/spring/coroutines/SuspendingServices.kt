package dev.baton.spring.coroutines

import dev.baton.annotation.AwaitsEvent
import dev.baton.annotation.Guarded
import dev.baton.annotation.Limited
import dev.baton.annotation.SetsEvent
import dev.baton.spring.PrimitiveRegistry
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.cancellation.CancellationException
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.yield
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.context.annotation.Bean
import org.springframework.http.ResponseEntity
import reactor.core.publisher.Flux

/** The application behind [SuspendingFunctionsTest]: Baton's auto-configuration and one service. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class SuspendingApplication {

  @Bean
  fun suspendingService(registry: PrimitiveRegistry) = SuspendingService(registry)
}

/** Where a call's body ran: its thread, its coroutine's name and the caller's tenant. */
data class Sighting(val thread: String, val coroutine: String?, val tenant: String?)

/** The running thread's name, without the coroutine that debug mode appends to it. */
fun threadName(): String = Thread.currentThread().name.substringBefore(" @")

/** A ThreadLocal the callers carry into their coroutines with `asContextElement`. */
val TENANT = ThreadLocal<String>()

/**
 * One test's view of the bodies it started: each body announces itself on [entered], then
 * suspends until [gate] opens (at once if [open]); [most] is the most bodies seen inside at once.
 */
class Probe(open: Boolean = false) {
  val entered = Channel<String>(Channel.UNLIMITED)
  val gate = CompletableDeferred<Unit>()
  val threads = ConcurrentLinkedQueue<String>()
  val cancelled = CompletableDeferred<String>()
  private val inside = AtomicInteger()
  private val peak = AtomicInteger()

  init {
    if (open) gate.complete(Unit)
  }

  val most get() = peak.get()

  suspend fun visit(label: String): String {
    peak.accumulateAndGet(inside.incrementAndGet(), ::maxOf)
    threads += threadName()
    try {
      entered.send(label)
      gate.await()
      return label
    } catch (e: CancellationException) {
      cancelled.complete(label)
      throw e
    } finally {
      inside.decrementAndGet()
    }
  }
}

/** Suspending functions under each of Baton's annotations. */
open class SuspendingService(private val registry: PrimitiveRegistry) {

  @Limited("kt-pair", permits = 2)
  open suspend fun pair(probe: Probe, label: String): String = probe.visit(label)

  @Limited("kt-one", permits = 1)
  open suspend fun one(probe: Probe, label: String): String = probe.visit(label)

  @Limited("kt-one", permits = 1)
  open suspend fun sighting(): Sighting =
      Sighting(threadName(), coroutineContext[CoroutineName]?.name, TENANT.get())

  @Guarded("kt-accounts", key = "#account")
  open suspend fun post(account: String, probe: Probe, label: String): String = probe.visit(label)

  @AwaitsEvent("kt-ready")
  open suspend fun afterReady(): String = "after ready"

  /** Returns whether the event was already set while the body ran. */
  @SetsEvent("kt-ready")
  open suspend fun markReady(fail: Boolean): Boolean {
    yield()
    check(!fail) { "not ready" }
    return registry.event("kt-ready").isSet
  }

  @Limited("kt-flow", permits = 1)
  open suspend fun numbers(probe: Probe): Flow<String> = flow {
    emit("first")
    probe.gate.await()
    emit("last")
  }
}

/** A newcomer's Kotlin service: the class is open, but its annotated function is not. */
open class ClosedFunctionService {

  @Limited("kt-closed", permits = 1)
  suspend fun closed(): String = "closed"
}

/** A suspend function whose result holds a streaming body, written after it returns. */
open class StreamingBodyService {

  @Limited("kt-body", permits = 1)
  open suspend fun body(): ResponseEntity<Flux<String>> = ResponseEntity.ok(Flux.just("one"))
}
