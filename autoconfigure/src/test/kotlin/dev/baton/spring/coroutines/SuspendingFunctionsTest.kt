package dev.baton.spring.coroutines

import dev.baton.spring.BatonAutoConfiguration
import dev.baton.spring.PrimitiveRegistry
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration
import java.util.concurrent.Executors
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.context.FilteredClassLoader
import org.springframework.boot.test.context.runner.ApplicationContextRunner

/**
 * Kotlin `suspend fun`s under Baton's annotations, in a started application: the wait suspends
 * the caller, the lock or permit is held until the coroutine completes, a cancelled caller
 * withdraws its wait, and the body runs in the caller's coroutine context.
 */
@SpringBootTest(classes = [SuspendingApplication::class])
@Timeout(30)
class SuspendingFunctionsTest {

  @Autowired
  lateinit var service: SuspendingService

  @Autowired
  lateinit var registry: PrimitiveRegistry

  /** Suspends (while the condition may need other coroutines of this thread) until it holds. */
  private suspend fun until(condition: () -> Boolean) =
      withTimeout(10_000) { while (!condition()) yield() }

  @Test
  fun waitingSuspendsAndThePermitIsHeldUntilTheCoroutineCompletes(): Unit = runBlocking {
    val probe = Probe()
    val semaphore = registry.semaphore("kt-pair")
    val calls = (1..6).map { i -> async { service.pair(probe, "call-$i") } }

    probe.entered.receive()
    probe.entered.receive()
    until { semaphore.waiters() == 4 }
    assertThat(semaphore.availablePermits()).isZero()

    probe.gate.complete(Unit)
    assertThat(calls.awaitAll()).containsExactly(
        "call-1", "call-2", "call-3", "call-4", "call-5", "call-6")
    assertThat(probe.most).isEqualTo(2)
    assertThat(probe.threads).containsOnly(threadName())
    assertThat(semaphore.availablePermits()).isEqualTo(2)
  }

  @Test
  fun cancellingAWaitingCallerWithdrawsItsWait(): Unit = runBlocking {
    val holding = Probe()
    val waiting = Probe(open = true)
    val semaphore = registry.semaphore("kt-one")
    val holder = async { service.one(holding, "holder") }
    holding.entered.receive()
    val waiter = launch { service.one(waiting, "waiter") }
    until { semaphore.waiters() == 1 }

    waiter.cancelAndJoin()

    assertThat(semaphore.waiters()).isZero()
    holding.gate.complete(Unit)
    assertThat(holder.await()).isEqualTo("holder")
    assertThat(semaphore.availablePermits()).isEqualTo(1)
    assertThat(waiting.threads).isEmpty()
  }

  @Test
  fun cancellingTheHolderCancelsItsCoroutineAndLetsGo(): Unit = runBlocking {
    val probe = Probe()
    val semaphore = registry.semaphore("kt-one")
    val holder = launch { service.one(probe, "holder") }
    probe.entered.receive()

    holder.cancelAndJoin()

    assertThat(withTimeout(10_000) { probe.cancelled.await() }).isEqualTo("holder")
    until { semaphore.availablePermits() == 1 }
  }

  @Test
  fun theBodyRunsInTheCallersCoroutineContextWhoeverLetsGo() {
    Executors.newSingleThreadExecutor { Thread(it, "kt-caller") }.asCoroutineDispatcher().use { caller ->
      Executors.newSingleThreadExecutor { Thread(it, "kt-holder") }.asCoroutineDispatcher().use { holderThread ->
        runBlocking {
          val probe = Probe()
          val semaphore = registry.semaphore("kt-one")
          val holder = async(holderThread) { service.one(probe, "holder") }
          probe.entered.receive()
          val waiter = async(caller + CoroutineName("kt-call-7") + TENANT.asContextElement("tenant-7")) {
            service.sighting()
          }
          await().until { semaphore.waiters() == 1 }

          probe.gate.complete(Unit)

          assertThat(waiter.await()).isEqualTo(Sighting("kt-caller", "kt-call-7", "tenant-7"))
          assertThat(holder.await()).isEqualTo("holder")
          assertThat(probe.threads).containsExactly("kt-holder")
        }
      }
    }
  }

  @Test
  fun guardedSuspendingCallsExcludeEachOtherByKey(): Unit = runBlocking {
    val first = Probe()
    val later = Probe(open = true)
    val account1 = registry.lock("kt-accounts", "acct-1")
    val holder = async { service.post("acct-1", first, "first") }
    first.entered.receive()
    val queued = async { service.post("acct-1", later, "second") }
    until { account1.waiters() == 1 }

    assertThat(service.post("acct-2", later, "other")).isEqualTo("other")
    assertThat(queued.isCompleted).isFalse()

    first.gate.complete(Unit)
    assertThat(listOf(holder.await(), queued.await())).containsExactly("first", "second")
    assertThat(later.entered.receive()).isEqualTo("other")
    assertThat(later.entered.receive()).isEqualTo("second")
    assertThat(account1.isLocked).isFalse()
  }

  @Test
  fun awaitsEventSuspendsUntilASuspendingSetterHasCompleted(): Unit = runBlocking {
    val event = registry.event("kt-ready")
    event.clear()
    val waiting = async { service.afterReady() }
    until { event.waiters() == 1 }

    assertThatThrownBy { runBlocking { service.markReady(fail = true) } }
        .isInstanceOf(IllegalStateException::class.java).hasMessage("not ready")
    assertThat(event.isSet).isFalse()
    assertThat(service.markReady(fail = false)).describedAs("set while the body ran").isFalse()

    assertThat(event.isSet).isTrue()
    assertThat(waiting.await()).isEqualTo("after ready")
  }

  @Test
  fun aFlowHoldsItsPermitUntilCollected(): Unit = runBlocking {
    val probe = Probe()
    val semaphore = registry.semaphore("kt-flow")
    val firstItems = Channel<String>(Channel.UNLIMITED)
    val first = launch { service.numbers(probe).collect { firstItems.send(it) } }
    assertThat(firstItems.receive()).isEqualTo("first")
    val second = async { service.numbers(probe).toList() }
    until { semaphore.waiters() == 1 }

    probe.gate.complete(Unit)

    first.join()
    assertThat(firstItems.receive()).isEqualTo("last")
    assertThat(second.await()).containsExactly("first", "last")
    assertThat(semaphore.availablePermits()).isEqualTo(1)
  }

  private val contexts = ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
      AopAutoConfiguration::class.java, BatonAutoConfiguration::class.java,
      BatonAspectsAutoConfiguration::class.java))

  @Test
  fun withoutSpringsCoroutineSupportStartUpFailsNamingTheModule() {
    contexts.withClassLoader(FilteredClassLoader("kotlinx.coroutines.reactor"))
        .withBean(SuspendingService::class.java)
        .run { context ->
          assertThat(context).hasFailed()
          assertThat(context.startupFailure).rootCause()
              .hasMessageStartingWith("dev.baton.spring.coroutines.SuspendingService.")
              .hasMessageContaining(",Continuation) is a Kotlin suspend function")
              .hasMessageContaining("org.jetbrains.kotlinx:kotlinx-coroutines-reactor")
        }
  }

  @Test
  fun aSuspendFunctionReturningAStreamingBodyFailsStartUp() {
    contexts.withBean(StreamingBodyService::class.java)
        .run { context ->
          assertThat(context).hasFailed()
          assertThat(context.startupFailure).rootCause()
              .hasMessageContaining("StreamingBodyService.body(Continuation)")
              .hasMessageContaining("returns org.springframework.http.ResponseEntity<"
                  + "reactor.core.publisher.Flux<java.lang.String>>, whose value holds"
                  + " asynchronous results")
        }
  }

  @Test
  fun aFinalSuspendingFunctionFailsStartUpNamingIt() {
    contexts.withBean(ClosedFunctionService::class.java)
        .run { context ->
          assertThat(context).hasFailed()
          assertThat(context.startupFailure).rootCause()
              .hasMessageContaining("ClosedFunctionService.closed")
              .hasMessageContaining("it is final")
              .hasMessageContaining("Kotlin")
        }
  }
}
