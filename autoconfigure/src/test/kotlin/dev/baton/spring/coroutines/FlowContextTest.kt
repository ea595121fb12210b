package dev.baton.spring.coroutines

import dev.baton.annotation.Limited
import dev.baton.spring.PrimitiveRegistry
import java.util.concurrent.Executors
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.async
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.context.annotation.Bean

/** The application behind [FlowContextTest]. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class FlowContextApplication {

  @Bean
  fun flowService() = FlowService()
}

/** The same flow twice: under `@Limited`, and plain (on the same proxied bean). */
open class FlowService {

  @Limited("kt-flow-context", permits = 1)
  open fun limitedSightings(): Flow<Sighting> = sightings()

  open fun plainSightings(): Flow<Sighting> = sightings()

  /** Holds the permit from [entered] until [leave] completes. */
  @Limited("kt-flow-context", permits = 1)
  open fun holding(entered: CompletableDeferred<Unit>, leave: CompletableDeferred<Unit>) =
      flow<Unit> {
        entered.complete(Unit)
        leave.await()
      }

  /** What the flow's code sees, before and after it first suspends. */
  private fun sightings(): Flow<Sighting> = flow {
    emit(Sighting(threadName(), coroutineContext[CoroutineName]?.name, TENANT.get()))
    delay(1)
    emit(Sighting(threadName(), coroutineContext[CoroutineName]?.name, TENANT.get()))
  }
}

/**
 * A plain (not suspend) function returning a Kotlin `Flow` under a Baton annotation. A `Flow` is
 * cold and runs in its collector's coroutine context (Kotlin's context preservation): its
 * dispatcher, `CoroutineName`, `ThreadLocal.asContextElement()`, `MDCContext`. So does the
 * function's flow under `@Limited`, granted at once or let in by another thread, not in a
 * coroutine of its own on `Dispatchers.Unconfined` (Spring's Flow-to-publisher conversion), which
 * had none of them and went on, after its first suspension, on whatever thread resumed it.
 */
@SpringBootTest(classes = [FlowContextApplication::class])
@Timeout(30)
class FlowContextTest {

  @Autowired
  lateinit var service: FlowService

  @Autowired
  lateinit var registry: PrimitiveRegistry

  private fun collected(flow: () -> Flow<Sighting>): List<Sighting> =
      runBlocking(CoroutineName("kt-collector") + TENANT.asContextElement("tenant-9")) {
        flow().toList()
      }

  @Test
  fun withoutBatonTheFlowRunsInItsCollectorsContext() {
    val caller = threadName()
    assertThat(collected(service::plainSightings)).containsExactly(
        Sighting(caller, "kt-collector", "tenant-9"), Sighting(caller, "kt-collector", "tenant-9"))
  }

  @Test
  fun aLimitedFlowRunsInItsCollectorsContextToo() {
    val caller = threadName()
    assertThat(collected(service::limitedSightings)).containsExactly(
        Sighting(caller, "kt-collector", "tenant-9"), Sighting(caller, "kt-collector", "tenant-9"))
  }

  private fun thread(name: String) =
      Executors.newSingleThreadExecutor { Thread(it, name) }.asCoroutineDispatcher()

  @Test
  fun aLimitedFlowThatWaitedRunsInItsCollectorsContextWhoeverLetsGo() {
    thread("kt-collector").use { collector ->
      thread("kt-holder").use { holderThread ->
        runBlocking {
          val entered = CompletableDeferred<Unit>()
          val leave = CompletableDeferred<Unit>()
          val holder = launch(holderThread) { service.holding(entered, leave).collect() }
          entered.await()
          val waiter = async(
              collector + CoroutineName("kt-waiter") + TENANT.asContextElement("tenant-9")) {
            service.limitedSightings().toList()
          }
          await().until { registry.semaphore("kt-flow-context").waiters() == 1 }

          leave.complete(Unit)

          assertThat(waiter.await()).containsExactly(
              Sighting("kt-collector", "kt-waiter", "tenant-9"),
              Sighting("kt-collector", "kt-waiter", "tenant-9"))
          holder.join()
        }
      }
    }
  }
}
