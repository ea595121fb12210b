package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.OptedInContext.on;
import static dev.baton.spring.aspect.OptedInContext.start;
import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CallContextServices.ContextService;
import dev.baton.spring.aspect.Sightings.Sighting;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.handler.TracingObservationHandler.TracingContext;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * A call that had to wait runs its body on the thread that ended the wait (here, the thread that
 * releases the only permit) after its caller has moved on. The body and the advice inside Baton's
 * still see the caller's context: the MDC and ThreadLocals opted in to context propagation, the
 * trace span, no transaction but their own, and their own join point; the releasing thread's
 * context is neither seen by the body nor disturbed by it.
 */
@CallContextTest
@ExtendWith(OptedInContext.OptIn.class)
@Timeout(60)
class WaitedCallContextTest {

  private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
  private static final String CALLER = "caller";
  private static final String RELEASER = "releaser";

  @Autowired
  private ContextService service;

  @Autowired
  private PrimitiveRegistry registry;

  @Autowired
  private SimpleTracer tracer;

  @Autowired
  private ObservationRegistry observations;

  @Autowired
  private PlatformTransactionManager transactionManager;

  @Autowired
  private TransactionJournal journal;

  private Sightings sightings;
  private Permit held;

  @BeforeEach
  void holdTheOnlyPermit() {
    sightings = new Sightings(tracer);
    journal.clear();
    held = semaphore().acquire().join();
  }

  @AfterEach
  void giveThePermitBack() {
    held.close();
  }

  @Test
  void aFutureBodyThatWaitedSeesItsCallersContextAndNotTheReleasers() {
    CompletableFuture<String> call = on(CALLER, () -> service.future(sightings));
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(RELEASER, "future"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  @Test
  void aMonoBodyThatWaitedSeesItsSubscribersContextAndNotTheReleasers() {
    CompletableFuture<String> call = on(CALLER, () -> service.mono(sightings).toFuture());
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(RELEASER, "mono"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  @Test
  void whatAMonoDoesOnSubscriptionAfterAWaitAlsoSeesItsSubscribersContext() {
    CompletableFuture<String> call =
        on(CALLER, () -> service.monoOnSubscription(sightings).toFuture());
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.seen()).containsExactly(
        callersContextOn(RELEASER, "mono method"),
        callersContextOn(RELEASER, "mono subscription"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  @Test
  void aMonoBodyThatWaitedSeesItsSubscribersReactorContextOverItsThreadLocals() {
    CompletableFuture<String> call = on(CALLER, () -> service.mono(sightings)
        .contextWrite(Context.of(OptedInContext.TENANT_KEY, "tenant-in-reactor-context"))
        .toFuture());
    on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(new Sighting("mono", "caller-request",
        "tenant-in-reactor-context", null, null, RELEASER));
  }

  @Test
  void aFluxBodyThatWaitedSeesItsSubscribersContextAndNotTheReleasers() {
    CompletableFuture<List<String>> call =
        on(CALLER, () -> service.flux(sightings).collectList().toFuture());
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(RELEASER, "flux"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  @Test
  void aBlockingBodyThatWaitedRunsOnItsCallersThreadInItsContext() {
    CompletableFuture<String> call = start(CALLER, () -> service.blocking(sightings));
    eventually().until(() -> semaphore().waiters() == 1);
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(CALLER, "blocking"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  @Test
  void aBodyGrantedAtOnceRunsOnItsCallersThread() {
    held.close();

    CompletableFuture<String> call = on(CALLER, () -> service.future(sightings));

    assertThat(call).isCompletedWithValue("future");
    assertThat(sightings.only()).isEqualTo(callersContextOn(CALLER, "future"));
  }

  /** "Granted at once, a call runs ... for Mono/Flux, [on] the subscribing thread". */
  @Test
  void aMonoGrantedAtOnceRunsOnItsSubscribingThreadInItsContext() {
    held.close();
    Mono<String> mono = on("assembler", () -> service.mono(sightings));
    assertThat(sightings.seen()).as("nothing runs before the subscription").isEmpty();

    CompletableFuture<String> call = on(CALLER, mono::toFuture);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(CALLER, "mono"));
  }

  @Test
  void aBodyThatWaitedRunsInItsCallersSpanAndTheWaitIsAChildOfThatSpan() {
    Observation request = Observation.start("request", observations);
    CompletableFuture<String> call = on(CALLER, () -> {
      try (Observation.Scope scope = request.openScope()) {
        return service.future(sightings);
      }
    });
    Observation other = Observation.start("another request", observations);
    on(RELEASER, () -> {
      try (Observation.Scope scope = other.openScope()) {
        return release();
      }
    });
    request.stop();
    other.stop();

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertTheBodyRanInAndTheWaitIsAChildOf(request);
  }

  /**
   * WebFlux keeps a request's observation in the subscriber's Reactor Context, not in a
   * ThreadLocal: the wait's span is a child of that one too, not a trace of its own.
   */
  @Test
  void aMonoWaitIsAChildOfTheSpanItsSubscribersReactorContextCarries() {
    Observation request = Observation.start("webflux request", observations);
    CompletableFuture<String> call = on(CALLER, () -> service.mono(sightings)
        .contextWrite(Context.of(ObservationThreadLocalAccessor.KEY, request))
        .toFuture());
    on(RELEASER, this::release);
    request.stop();

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertTheBodyRanInAndTheWaitIsAChildOf(request);
  }

  /**
   * A future call that waited completes the caller's future on the releasing thread: the
   * caller's own dependent stage sees the caller's context there, not the releaser's, as a Mono
   * call's operators do.
   */
  @Test
  void theCallersOwnStageAfterAFutureCallThatWaitedSeesTheCallersContext() {
    CompletableFuture<Sighting> future = on(CALLER, () -> service.future(sightings)
        .thenApply(value -> sightings.now("future continuation")));
    CompletableFuture<Sighting> mono = on(CALLER, () -> service.mono(sightings)
        .map(value -> sightings.now("mono continuation")).toFuture());
    Sighting releaserAfterwards = on(RELEASER, this::release);

    assertThat(future).succeedsWithin(FIVE_SECONDS)
        .isEqualTo(callersContextOn(RELEASER, "future continuation"));
    assertThat(mono).succeedsWithin(FIVE_SECONDS)
        .isEqualTo(callersContextOn(RELEASER, "mono continuation"));
    assertThat(releaserAfterwards).isEqualTo(releasersOwnContext());
  }

  /**
   * The releaser's side is checked on its current Observation, not on the span: SimpleTracer does
   * not bring a span back after a scope that cleared it (its scope for "no span" is a no-op).
   */
  @Test
  void theReleasersSpanIsNotCurrentInABodyThatWaitedOutsideAnySpan() {
    CompletableFuture<String> call = on(CALLER, () -> service.future(sightings));
    Observation releasers = Observation.start("releaser's request", observations);
    Observation currentAfterwards = on(RELEASER, () -> {
      try (Observation.Scope scope = releasers.openScope()) {
        release();
        return observations.getCurrentObservation();
      }
    });
    releasers.stop();

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only().spanId()).as("span current in the body").isNull();
    assertThat(currentAfterwards).isSameAs(releasers);
  }

  @Test
  void anInnerTransactionOfABodyThatWaitedIsItsOwnAndNotTheReleasers() {
    TransactionTemplate releasersTransaction = new TransactionTemplate(transactionManager);
    releasersTransaction.setName(RELEASER);

    CompletableFuture<String> call = on(CALLER, () -> service.transactional(sightings));
    Sighting releaserAfterwards =
        on(RELEASER, () -> releasersTransaction.execute(status -> release()));

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only().transaction()).endsWith("ContextService.transactional");
    assertThat(journal.entries()).filteredOn(entry -> entry.startsWith("begin")).hasSize(2);
    assertThat(releaserAfterwards.transaction()).isEqualTo(RELEASER);
  }

  /**
   * A reactive body that waited runs inside {@code CallerContext.proceed}, not {@code run} as a
   * future's does: that path must suspend the releaser's transaction as well, or the body would
   * see it and could join it.
   */
  @Test
  void aMonoBodyThatWaitedDoesNotSeeTheReleasersTransaction() {
    TransactionTemplate releasersTransaction = new TransactionTemplate(transactionManager);
    releasersTransaction.setName(RELEASER);

    CompletableFuture<String> call = on(CALLER, () -> service.mono(sightings).toFuture());
    Sighting releaserAfterwards =
        on(RELEASER, () -> releasersTransaction.execute(status -> release()));

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.only()).isEqualTo(callersContextOn(RELEASER, "mono"));
    assertThat(releaserAfterwards.transaction()).isEqualTo(RELEASER);
  }

  @Test
  void anInnerAspectOfABodyThatWaitedSeesItsOwnJoinPoint() {
    CompletableFuture<String> call = on(CALLER, () -> service.withInnerAspect(sightings));
    on(RELEASER, this::release);

    assertThat(call).succeedsWithin(FIVE_SECONDS);
    assertThat(sightings.joinPoints()).containsExactly(true);
    assertThat(sightings.only()).isEqualTo(callersContextOn(RELEASER, "with inner aspect"));
  }

  private AsyncSemaphore semaphore() {
    return registry.semaphore(ContextService.PERMITS, 1);
  }

  /** Gives back the permit the test holds, and returns what this thread's context holds after. */
  private Sighting release() {
    held.close();
    return sightings.now(RELEASER);
  }

  private static Sighting callersContextOn(String thread, String where) {
    return new Sighting(where, "caller-request", "caller-tenant", null, null, thread);
  }

  private static Sighting releasersOwnContext() {
    return new Sighting(RELEASER, "releaser-request", "releaser-tenant", null, null, RELEASER);
  }

  /** The body ran in {@code request}'s span, and the wait's span is a child of it. */
  private void assertTheBodyRanInAndTheWaitIsAChildOf(Observation request) {
    String requestSpan = spanOf(request);
    assertThat(sightings.only().spanId()).as("span current in the body").isEqualTo(requestSpan);
    assertThat(tracer.getSpans())
        .filteredOn(span -> span.getName().equals("wait for semaphore " + ContextService.PERMITS))
        .filteredOn(span -> span.getTraceId().equals(traceOf(request)))
        .as("the wait's span, in the request's trace")
        .singleElement().extracting(SimpleSpan::getParentId).isEqualTo(requestSpan);
  }

  private String spanOf(Observation observation) {
    return tracingContext(observation).getSpan().context().spanId();
  }

  private String traceOf(Observation observation) {
    return tracingContext(observation).getSpan().context().traceId();
  }

  private static TracingContext tracingContext(Observation observation) {
    return observation.getContextView().getRequired(TracingContext.class);
  }
}
