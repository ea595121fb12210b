package dev.baton.spring.coroutines

import dev.baton.annotation.Limited
import dev.baton.annotation.SetsEvent
import dev.baton.spring.PrimitiveRegistry
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.context.annotation.Bean

/** The application behind [FlowCollectedTwiceTest]. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class TwiceCollectedApplication {

  @Bean
  fun countingFlows() = CountingFlows()
}

/** How many times [CountingFlows]' flows have been collected (a proxy has no state of its own). */
val COLLECTIONS = AtomicInteger()

/** Flows under each kind of annotation handling; each collection counts itself. */
open class CountingFlows {

  @Limited("kt-twice", permits = 1)
  open fun limited(): Flow<Int> = counting()

  @SetsEvent("kt-twice-done")
  open fun setting(): Flow<Int> = counting()

  private fun counting(): Flow<Int> = flow {
    val collection = COLLECTIONS.incrementAndGet()
    emit(collection)
    emit(collection)
  }
}

/**
 * A `Flow` is cold: collecting one twice runs it twice, and so does one a Baton annotation wraps,
 * whether the annotation waits (`@Limited`) or acts once the flow completes (`@SetsEvent`, with
 * the stall view off and on).
 */
abstract class FlowCollectedTwiceContract {

  @Autowired
  lateinit var flows: CountingFlows

  @Autowired
  lateinit var registry: PrimitiveRegistry

  private fun twice(flow: Flow<Int>): List<List<Int>> = runBlocking {
    COLLECTIONS.set(0)
    listOf(flow.toList(), flow.toList())
  }

  @Test
  fun aLimitedFlowCollectedTwiceRunsTwice() {
    assertThat(twice(flows.limited())).containsExactly(listOf(1, 1), listOf(2, 2))
    assertThat(registry.semaphore("kt-twice").availablePermits()).isEqualTo(1)
  }

  @Test
  fun anEventSettingFlowCollectedTwiceRunsTwiceAndSetsTheEvent() {
    registry.event("kt-twice-done").clear()
    val flow = flows.setting()
    assertThat(twice(flow)).containsExactly(listOf(1, 1), listOf(2, 2))
    assertThat(registry.event("kt-twice-done").isSet).isTrue()
  }
}

@Timeout(30)
class FlowCollectedTwiceTest {

  @Nested
  @SpringBootTest(classes = [TwiceCollectedApplication::class])
  inner class StallViewOff : FlowCollectedTwiceContract()

  @Nested
  @SpringBootTest(
      classes = [TwiceCollectedApplication::class], properties = ["baton.stalls.level=basic"])
  inner class StallViewOn : FlowCollectedTwiceContract()
}
