package dev.baton.spring.coroutines

import dev.baton.AcquireTimeoutException
import dev.baton.Permit
import dev.baton.annotation.AwaitsEvent
import dev.baton.annotation.Guarded
import dev.baton.annotation.Limited
import dev.baton.spring.BatonAutoConfiguration
import dev.baton.spring.LockFamily
import dev.baton.spring.NamedPrimitive
import dev.baton.spring.PrimitiveRegistry
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration
import dev.baton.spring.observation.HoldTracking
import dev.baton.spring.stall.BatonStallsAutoConfiguration
import dev.baton.spring.stall.StallView
import java.time.Duration
import java.util.Random
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import kotlinx.coroutines.job
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.context.ApplicationContext

private val CALLS = 1_500 * maxOf(1, Integer.getInteger("baton.stress", 1))
private val REPLAY_SEED: Long? = java.lang.Long.getLong("baton.fuzz.seed")
private const val CALLER_LOOPS = 8
private const val SETTLE_MILLIS = 60_000L
private const val PERMITS = "kt-fuzz-permits"
private const val LOCK = "kt-fuzz-lock"
private const val KEYS = "kt-fuzz-keys"
private const val EVENT = "kt-fuzz-event"
private val KEY_VALUES = listOf("k0", "k1", "k2")

/**
 * Randomized cancellation of Kotlin `suspend fun`s under Baton's annotations, in a real Spring
 * context, with the stall view off and on: thousands of calls, from coroutines on a small thread
 * pool or unconfined, of functions returning a value or a `Flow`, on a semaphore of two permits
 * (`@Limited`), a lock and per-key locks (`@Guarded`) and an event (`@AwaitsEvent`). Each body
 * returns at once, after a `yield`, a `delay` or a `delay` on another dispatcher, or fails;
 * each caller awaits, cancels soon (before or while the body runs), is cancelled by its body as
 * it starts, runs under `withTimeout`, calls a function with a short annotation timeout, or
 * takes only a flow's first item. Meanwhile a coordinator takes all of a primitive's permits now
 * and then (or keeps the event clear) and cancels some of the callers that wait for it:
 * cancelled before their grant, their bodies must never run.
 *
 * Checked: no primitive ever has more bodies inside than it has permits, a body counting as
 * gone once its coroutine is cancelled (the README: code a body still runs after its
 * cancellation runs without the lock or permit); every call ends with its value or a failure it
 * could expect; and once all is quiet every primitive is free with nobody waiting, and the stall
 * view lists no pending wait and no hold. The seed is in the failure message
 * (`-Dbaton.fuzz.seed` replays each caller's plan; thread timing varies); `-Dbaton.stress`
 * multiplies the calls.
 */
@Timeout(180)
class SuspendCancelFuzzTest {

  private val contexts = ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration::class.java,
          BatonStallsAutoConfiguration::class.java, BatonAutoConfiguration::class.java,
          BatonAspectsAutoConfiguration::class.java))
      .withPropertyValues("baton.default-timeout=60s")
      .withBean(FuzzedFunctions::class.java)

  @ParameterizedTest(name = "stall view {0}")
  @ValueSource(strings = ["off", "basic"])
  fun cancelledCallsNeverRunUnprotectedNorLeakAnything(level: String) {
    val seed = REPLAY_SEED ?: ThreadLocalRandom.current().nextLong()
    contexts.withPropertyValues("baton.stalls.level=$level").run { context ->
      assertThat(context).hasNotFailed()
      try {
        FuzzRun(context, seed).run()
      } catch (t: Throwable) {
        throw AssertionError("stall view $level, seed $seed (replay: -Dtest="
            + "${javaClass.simpleName} -Dbaton.fuzz.seed=$seed): $t", t)
      }
    }
  }
}

/** The annotated functions, named by gate and result; each hands its call to its body. */
open class FuzzedFunctions {

  @Limited(PERMITS, permits = 2)
  open suspend fun permits(call: FuzzCall): String = call.body()

  @Limited(PERMITS, permits = 2, timeout = "2ms")
  open suspend fun timedPermits(call: FuzzCall): String = call.body()

  @Limited(PERMITS, permits = 2)
  open suspend fun permitsFlow(call: FuzzCall): Flow<String> = call.flow()

  @Guarded(LOCK)
  open suspend fun lock(call: FuzzCall): String = call.body()

  @Guarded(LOCK, timeout = "2ms")
  open suspend fun timedLock(call: FuzzCall): String = call.body()

  @Guarded(LOCK)
  open suspend fun lockFlow(call: FuzzCall): Flow<String> = call.flow()

  @Guarded(KEYS, key = "#call.key")
  open suspend fun key(call: FuzzCall): String = call.body()

  @Guarded(KEYS, key = "#call.key")
  open suspend fun keyFlow(call: FuzzCall): Flow<String> = call.flow()

  @AwaitsEvent(EVENT)
  open suspend fun event(call: FuzzCall): String = call.body()

  @AwaitsEvent(EVENT)
  open suspend fun eventFlow(call: FuzzCall): Flow<String> = call.flow()
}

/** What a call waits for. */
internal enum class GateKind { PERMITS, LOCK, KEY, EVENT }

/** How a body ends. */
internal enum class Ending { AT_ONCE, YIELDS, DELAYS, SWITCHES_THREAD, FAILS_AT_ONCE, FAILS_LATER }

/** What the caller does. */
internal enum class Move { AWAIT, CANCEL_SOON, CANCEL_ON_START, WITH_TIMEOUT, TIMED, FIRST_ITEM }

/** A body's failure on purpose. */
internal class Failed : RuntimeException("failed on purpose")

/** Invariant violations seen anywhere, the first 20 kept. */
internal class Problems {
  private val seen = CopyOnWriteArrayList<String>()
  private val count = AtomicInteger()

  fun add(problem: String) {
    if (count.incrementAndGet() <= 20) seen += "$problem [on ${threadName()}]"
  }

  fun assertNone() {
    assertThat(seen).`as`("${count.get()} invariant violation(s), first ones").isEmpty()
  }
}

/** How many bodies are inside a primitive (or one key's lock), and the most allowed. */
internal class Inside(
    private val name: String,
    private val most: Int,
    private val problems: Problems,
) {
  val now = AtomicInteger()

  /**
   * Counts [call]'s body in until it leaves or its coroutine [job] is cancelled, whichever comes
   * first: the cancel lets go of the permit at once, so what the body runs after it is not
   * counted. A job cancelled already never counts in.
   */
  @OptIn(InternalCoroutinesApi::class)
  fun enter(call: FuzzCall, job: Job): Hold {
    val hold = Hold()
    // onCancelling: runs as the job is cancelled, on the cancelling thread, before the
    // subscription's cancel goes on to let go of the permit.
    job.invokeOnCompletion(onCancelling = true) { hold.leave() }
    hold.come(call)
    return hold
  }

  /** One body's stay: not yet in (0), in (1), or gone (2). */
  inner class Hold {
    private var state = 0

    @Synchronized
    fun come(call: FuzzCall) {
      if (state == 0) {
        state = 1
        val inside = now.incrementAndGet()
        if (inside > most) problems.add("$inside bodies inside $name (at most $most): $call")
      }
    }

    @Synchronized
    fun leave() {
      if (state == 1) now.decrementAndGet()
      state = 2
    }
  }
}

/**
 * One call's plan and record: its body, as the function runs it, whether the body started or
 * the coordinator doomed the call first, and the caller's job, to cancel.
 */
class FuzzCall internal constructor(
    private val id: Int,
    random: Random,
    internal val gate: GateKind,
    internal val returnsFlow: Boolean,
    val key: String,
    private val inside: Inside?,
    private val problems: Problems,
) {
  private val ending = Ending.values()[random.nextInt(Ending.values().size)]
  internal val move = move(random)
  internal val delayMillis =
      if (random.nextInt(8) == 0) 3L + random.nextInt(10) else random.nextInt(3).toLong()
  /** Whether the caller runs unconfined: a body granted after a wait runs where it was let go. */
  internal val unconfined = random.nextInt(4) == 0
  private val state = AtomicInteger(NEW)
  @Volatile private var cancelled = false
  /** The caller's job, set before it starts. */
  @Volatile internal var job: Job? = null
  /** Drawn as the call was made: calls made after the event was last cleared wait for it. */
  internal var ticket = 0L

  private fun move(random: Random): Move {
    val moves = mutableListOf(Move.AWAIT, Move.AWAIT, Move.CANCEL_SOON, Move.CANCEL_SOON,
        Move.CANCEL_ON_START, Move.WITH_TIMEOUT)
    if (!returnsFlow && (gate == GateKind.PERMITS || gate == GateKind.LOCK)) moves += Move.TIMED
    if (returnsFlow) moves += Move.FIRST_ITEM
    return moves[random.nextInt(moves.size)]
  }

  suspend fun body(): String {
    started()
    val job = coroutineContext.job
    val hold = inside?.enter(this, job)
    if (move == Move.CANCEL_ON_START) cancel()
    try {
      return work()
    } finally {
      // reached after the work, or after the body's cancellation, which counted it out already
      hold?.leave()
    }
  }

  suspend fun flow(): Flow<String> {
    started()
    return flow {
      val hold = inside?.enter(this@FuzzCall, coroutineContext.job)
      if (move == Move.CANCEL_ON_START) cancel()
      try {
        emit("first")
        emit(work())
      } finally {
        hold?.leave()
      }
    }
  }

  private suspend fun started() {
    if (!state.compareAndSet(NEW, STARTED)) {
      problems.add("call $this ran, state ${state.get()}, its coroutine cancelled already: "
          + coroutineContext.job.isCancelled)
    }
  }

  private suspend fun work(): String {
    when (ending) {
      Ending.AT_ONCE -> {}
      Ending.YIELDS -> yield()
      Ending.DELAYS -> delay(delayMillis)
      Ending.SWITCHES_THREAD -> withContext(Dispatchers.IO) { delay(delayMillis) }
      Ending.FAILS_AT_ONCE -> throw Failed()
      Ending.FAILS_LATER -> {
        delay(delayMillis)
        throw Failed()
      }
    }
    return "done"
  }

  /** Cancels the caller. */
  internal fun cancel() {
    cancelled = true
    job?.cancel()
  }

  /**
   * Whether the coordinator may cancel this call as one surely not granted yet: not one that a
   * cancel may have let go of, though its body may still start, as code a cancelled coroutine
   * runs (the README: such code runs without the lock or permit). The caller's own cancels say
   * so first; a `withTimeout` cannot.
   */
  internal fun doomable() = !cancelled && move != Move.WITH_TIMEOUT && state.get() == NEW

  /** Cancels this call if its body has not started: true if it was doomed so. */
  internal fun doom(): Boolean {
    if (!state.compareAndSet(NEW, DOOMED)) return false
    cancel()
    return true
  }

  /** Records how the call ended: a failure must be one the call could expect. */
  internal fun ended(failure: Throwable?) {
    val expected = failure == null || failure is Failed
        || (failure is AcquireTimeoutException && move == Move.TIMED)
        || (failure is TimeoutCancellationException && move == Move.WITH_TIMEOUT)
        || (failure is CancellationException && cancelled)
    if (!expected) problems.add("call $this ended with $failure")
  }

  override fun toString() = "$id ($gate${if (returnsFlow) " flow" else ""}, $move, $ending" +
      "${if (unconfined) ", unconfined" else ""})"

  private companion object {
    const val NEW = 0
    const val STARTED = 1
    const val DOOMED = 2
  }
}

/** One run: the context's primitives, the callers, the coordinator and what they saw. */
private class FuzzRun(context: ApplicationContext, private val seed: Long) {
  private val service = context.getBean(FuzzedFunctions::class.java)
  private val registry = context.getBean(PrimitiveRegistry::class.java)
  private val view = context.getBeanProvider(StallView::class.java).getIfAvailable()
  private val problems = Problems()
  private val permits = Inside(PERMITS, 2, problems)
  private val lock = Inside(LOCK, 1, problems)
  private val keys = KEY_VALUES.associateWith { Inside("$KEYS/$it", 1, problems) }
  /** Calls made and not yet ended, by what they wait for. */
  private val waiting = ConcurrentHashMap<String, MutableSet<FuzzCall>>()
  private val calls = CopyOnWriteArrayList<FuzzCall>()
  private val tickets = AtomicInteger()
  /** The first ticket drawn after the event was last cleared. */
  @Volatile private var clearedAt = 0L
  @Volatile private var callersDone = false
  /** One element per call made: the coordinator acts every few calls. */
  private val pace = Channel<Unit>(Channel.UNLIMITED)
  private val doomed = AtomicInteger()
  private val family: LockFamily by lazy {
    val found = AtomicReference<LockFamily>()
    registry.onPrimitive { primitive ->
      if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY && primitive.name() == KEYS) {
        found.compareAndSet(null, primitive.primitive() as LockFamily)
      }
    }
    found.get()
  }

  fun run() {
    val pool = Executors.newFixedThreadPool(4) { task ->
      Thread(task, "kt-fuzz").apply { isDaemon = true }
    }
    pool.asCoroutineDispatcher().use { dispatcher ->
      runBlocking(dispatcher) {
        registry.event(EVENT).clear()
        val coordinator = launch { coordinate(Random(seed)) }
        coroutineScope {
          repeat(CALLER_LOOPS) { loop ->
            launch { makeCalls(this@runBlocking, Random(seed * 31 + loop + 1)) }
          }
        }
        callersDone = true
        withTimeout(SETTLE_MILLIS) { coordinator.join() }
        registry.event(EVENT).set()
        awaitEnded()
      }
    }
    problems.assertNone()
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
        .untilAsserted(::assertAllFree)
    assertThat(doomed).`as`("calls cancelled surely before their grant").hasPositiveValue()
  }

  /** Makes calls in [scope], which ends them whether or not this loop waits for them. */
  private suspend fun makeCalls(scope: CoroutineScope, random: Random) {
    repeat(CALLS / CALLER_LOOPS) {
      val call = newCall(random)
      val dispatcher = if (call.unconfined) Dispatchers.Unconfined else EmptyCoroutineContext
      val job = scope.launch(dispatcher, CoroutineStart.LAZY) { makeCall(call) }
      call.job = job
      job.start()
      if (call.move == Move.CANCEL_SOON) {
        val yields = random.nextInt(20)
        scope.launch {
          if (yields < 10) repeat(yields) { yield() } else delay(call.delayMillis / 2)
          call.cancel()
        }
      }
      pace.trySend(Unit)
      if (random.nextInt(4) == 0) job.join() else yield()
    }
  }

  private fun newCall(random: Random): FuzzCall {
    val gate = GateKind.values()[random.nextInt(GateKind.values().size)]
    val key = KEY_VALUES[random.nextInt(KEY_VALUES.size)]
    val inside = when (gate) {
      GateKind.PERMITS -> permits
      GateKind.LOCK -> lock
      GateKind.KEY -> keys.getValue(key)
      GateKind.EVENT -> null
    }
    val call = FuzzCall(calls.size, random, gate, random.nextInt(3) == 0, key, inside, problems)
    calls += call
    return call
  }

  /** Makes the call as its move says, listed among the waiting until it ends. */
  private suspend fun makeCall(call: FuzzCall) {
    call.ticket = tickets.getAndIncrement().toLong()
    val those = waiting.computeIfAbsent(waitsFor(call)) { ConcurrentHashMap.newKeySet() }
    those += call
    try {
      if (call.move == Move.WITH_TIMEOUT) withTimeout(call.delayMillis + 1) { outcome(call) }
      else outcome(call)
      call.ended(null)
    } catch (e: Throwable) {
      call.ended(e)
    } finally {
      those -= call
    }
  }

  private suspend fun outcome(call: FuzzCall): Any = if (call.returnsFlow) {
    val flow = when (call.gate) {
      GateKind.PERMITS -> service.permitsFlow(call)
      GateKind.LOCK -> service.lockFlow(call)
      GateKind.KEY -> service.keyFlow(call)
      GateKind.EVENT -> service.eventFlow(call)
    }
    if (call.move == Move.FIRST_ITEM) flow.first() else flow.toList()
  } else {
    val timed = call.move == Move.TIMED
    when (call.gate) {
      GateKind.PERMITS -> if (timed) service.timedPermits(call) else service.permits(call)
      GateKind.LOCK -> if (timed) service.timedLock(call) else service.lock(call)
      GateKind.KEY -> service.key(call)
      GateKind.EVENT -> service.event(call)
    }
  }

  private fun waitsFor(call: FuzzCall) =
      if (call.gate == GateKind.KEY) "$KEYS/${call.key}" else call.gate.name

  /**
   * Every few calls, takes all of one primitive's permits (or keeps the event clear), cancels
   * some of the calls that wait for it, which surely have not been granted, and lets go once
   * they have ended.
   */
  private suspend fun coordinate(random: Random) {
    val event = registry.event(EVENT)
    while (!callersDone) {
      // acts after a few calls, or after a while when every caller waits
      withTimeoutOrNull(100) { repeat(10 + random.nextInt(30)) { pace.receive() } }
      val gate = GateKind.values()[random.nextInt(GateKind.values().size)]
      if (gate == GateKind.EVENT) {
        doomSome(random, GateKind.EVENT.name, clearedAt)
        event.set()
        event.clear()
        clearedAt = tickets.get().toLong()
        continue
      }
      val key = KEY_VALUES[random.nextInt(KEY_VALUES.size)]
      val held = takeAll(gate, key)
      try {
        doomSome(random, if (gate == GateKind.KEY) "$KEYS/$key" else gate.name, 0)
      } finally {
        held.forEach(Permit::release)
      }
    }
  }

  private suspend fun takeAll(gate: GateKind, key: String): List<Permit> {
    val taken = when (gate) {
      GateKind.PERMITS -> registry.semaphore(PERMITS, 2).let { listOf(it.acquire(), it.acquire()) }
      GateKind.LOCK -> listOf(registry.lock(LOCK).acquire())
      else -> listOf(registry.lock(KEYS, key).acquire())
    }
    return taken.map { it.await() }
  }

  /**
   * Cancels about half of the doomable calls waiting for [name] from [ticket], and waits for
   * them to end while nothing can be granted: a collector of a flow withdraws its wait only once
   * it resumes after the cancel.
   */
  private suspend fun doomSome(random: Random, name: String, ticket: Long) {
    val doomedNow = waiting[name].orEmpty().filter {
      it.ticket >= ticket && it.doomable() && random.nextBoolean() && it.doom()
    }
    doomed.addAndGet(doomedNow.size)
    doomedNow.mapNotNull { it.job }.joinAll()
  }

  private suspend fun awaitEnded() {
    val ended = withTimeoutOrNull(SETTLE_MILLIS) { calls.mapNotNull { it.job }.joinAll() }
    if (ended == null) {
      val stuck = calls.filter { it.job?.isCompleted != true }.take(10)
      throw AssertionError("calls never ended, first ones: $stuck; ${state()}")
    }
  }

  private fun assertAllFree() {
    assertThat(state()).`as`("primitives after the run")
        .isEqualTo("permits 2 free, 0 waiting; lock free, 0 waiting; keys 0 active, 0 waiting;"
            + " event 0 waiting; bodies inside 0/0/0")
    if (view != null) {
      assertThat(view.pendingWaits()).`as`("stall view's pending waits").isEmpty()
      assertThat((registry.semaphore(PERMITS, 2) as HoldTracking).holds().count())
          .`as`("semaphore holds").isZero()
      assertThat((registry.lock(LOCK) as HoldTracking).holds().count()).`as`("lock holds")
          .isZero()
      assertThat(family.oldestHold()).`as`("per-key holds").isEmpty()
    }
  }

  private fun state(): String {
    val semaphore = registry.semaphore(PERMITS, 2)
    val single = registry.lock(LOCK)
    val keysInside = keys.values.sumOf { it.now.get() }
    return "permits ${semaphore.availablePermits()} free, ${semaphore.waiters()} waiting; lock " +
        "${if (single.isLocked) "locked" else "free"}, ${single.waiters()} waiting; keys " +
        "${family.activeKeys()} active, ${family.waiters()} waiting; event " +
        "${registry.event(EVENT).waiters()} waiting; bodies inside ${permits.now.get()}/" +
        "${lock.now.get()}/$keysInside"
  }
}
