package dev.baton.spring.aspect;

import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.scheduling.annotation.Async;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The annotated beans of {@link AspectTestApplication}. Every method body reports to the
 * {@link Probe} it is given; every primitive name belongs to one scenario, so that test classes
 * sharing the application context do not meet.
 */
final class TestServices {

  private TestServices() {}

  /** {@code @Limited} for each return type. */
  public static class LimitedService {

    @Limited(value = "limited-future", permits = 3)
    public CompletableFuture<String> future(Probe probe, String value) {
      return probe.body(value);
    }

    @Limited(value = "limited-stage", permits = 3)
    public CompletionStage<String> stage(Probe probe, String value) {
      return probe.body(value);
    }

    @Limited(value = "limited-mono", permits = 3)
    public Mono<String> mono(Probe probe, String value) {
      return Mono.fromFuture(probe.body(value));
    }

    @Limited(value = "limited-flux", permits = 3)
    public Flux<String> flux(Probe probe, String value) {
      return Mono.fromFuture(probe.body(value)).flatMapMany(v -> Flux.just(v + "-1", v + "-2"));
    }

    @Limited(value = "limited-value", permits = 3)
    public String value(Probe probe, String value) {
      return probe.blockingBody(value);
    }

    @Limited(value = "limited-void", permits = 3)
    public void nothing(Probe probe, String value) {
      probe.blockingBody(value);
    }

    @Limited(value = "limited-single", permits = 1)
    public CompletableFuture<String> futureOfOne(Probe probe) {
      return probe.body("future");
    }

    @Limited(value = "limited-single", permits = 1)
    public Mono<String> monoOfOne(Probe probe) {
      return Mono.fromFuture(probe.body("mono"));
    }

    @Limited(value = "limited-timed", permits = 1, timeout = "50ms")
    public String timedValue(Probe probe) {
      return probe.instantBody("value");
    }

    @Limited(value = "limited-timed", permits = 1, timeout = "50ms")
    public CompletableFuture<String> timedFuture(Probe probe) {
      return CompletableFuture.completedFuture(probe.instantBody("future"));
    }

    @Limited(value = "limited-timed", permits = 1, timeout = "50ms")
    public Mono<String> timedMono(Probe probe) {
      return Mono.just(probe.instantBody("mono"));
    }
  }

  /** {@code @Guarded}, with and without keys. */
  public static class GuardedService {

    @Guarded("guarded-single")
    public CompletableFuture<String> future(Probe probe) {
      return probe.body("future");
    }

    @Guarded("guarded-single")
    public Mono<String> mono(Probe probe) {
      return Mono.fromFuture(probe.body("mono"));
    }

    @Guarded(value = "guarded-timed", timeout = "50ms")
    public String timedValue(Probe probe) {
      return probe.instantBody("value");
    }

    @Guarded(value = "guarded-timed", timeout = "50ms")
    public CompletableFuture<String> timedFuture(Probe probe) {
      return CompletableFuture.completedFuture(probe.instantBody("future"));
    }

    @Guarded(value = "guarded-timed", timeout = "50ms")
    public Mono<String> timedMono(Probe probe) {
      return Mono.just(probe.instantBody("mono"));
    }

    @Guarded(value = "sku", key = "#sku")
    public CompletableFuture<String> reserve(String sku, Probe probe) {
      return probe.body(sku);
    }

    @Guarded(value = "sku-sync", key = "#sku")
    public String reserveNow(String sku, Probe probe) {
      return probe.blockingBody(sku);
    }

    @Guarded(value = "sku-by-position", key = "#root.args[0]")
    public CompletableFuture<String> reserveByPosition(String sku, Probe probe) {
      return probe.body(sku);
    }

    @Guarded(value = "sku-by-bean", key = "@skuKeys.normalize(#sku)")
    public CompletableFuture<String> reserveByBean(String sku, Probe probe) {
      return probe.body(sku);
    }

    @Guarded(value = "evicted", key = "#id")
    public long touch(long id) {
      return id;
    }

    @Guarded(value = "evicted-async", key = "#id")
    public CompletableFuture<String> touchLater(long id, Probe probe) {
      return probe.body(Long.toString(id));
    }

    @Guarded(value = "evicted-async", key = "#id", timeout = "20ms")
    public CompletableFuture<String> touchLaterOrGiveUp(long id, Probe probe) {
      return probe.body(Long.toString(id));
    }

    @Guarded(value = "sku-checked", key = "@skuKeys.checked(#sku)")
    public CompletableFuture<String> checkedFuture(String sku, Probe probe) {
      return CompletableFuture.completedFuture(probe.instantBody(sku));
    }

    @Guarded(value = "sku-checked", key = "@skuKeys.checked(#sku)")
    public Mono<String> checkedMono(String sku, Probe probe) {
      return Mono.just(probe.instantBody(sku));
    }

    @Guarded(value = "sku-checked", key = "@skuKeys.checked(#sku)")
    public Flux<String> checkedFlux(String sku, Probe probe) {
      return Flux.just(probe.instantBody(sku));
    }

    @Guarded(value = "sku-checked", key = "@skuKeys.checked(#sku)")
    public String checkedValue(String sku, Probe probe) {
      return probe.instantBody(sku);
    }

    @Guarded(value = "sku-checked", key = "#probe.missingProperty")
    public CompletableFuture<String> missingProperty(String sku, Probe probe) {
      return CompletableFuture.completedFuture(probe.instantBody(sku));
    }
  }

  /** The bean that keys such as {@code @skuKeys.normalize(#sku)} call. */
  public static class SkuKeys {

    public String normalize(String sku) {
      return sku.trim().toUpperCase(Locale.ROOT);
    }

    /**
     * The SKU as it is: null stays null, and one starting with {@code bad-} is refused with an
     * exception that names it, as user code often does.
     */
    public String checked(String sku) {
      if (sku != null && sku.startsWith("bad-")) {
        throw new IllegalArgumentException("not a SKU: " + sku);
      }
      return sku;
    }
  }

  /** {@code @AwaitsEvent} and {@code @SetsEvent} for each return type. */
  public static class EventService {

    @AwaitsEvent("awaited-value")
    public String awaitedValue(Probe probe) {
      return probe.instantBody("value");
    }

    @AwaitsEvent("awaited-future")
    public CompletableFuture<String> awaitedFuture(Probe probe) {
      return CompletableFuture.completedFuture(probe.instantBody("future"));
    }

    @AwaitsEvent("awaited-mono")
    public Mono<String> awaitedMono(Probe probe) {
      return Mono.just(probe.instantBody("mono"));
    }

    @AwaitsEvent("awaited-flux")
    public Flux<String> awaitedFlux(Probe probe) {
      return Flux.just(probe.instantBody("flux"));
    }

    @AwaitsEvent(value = "awaited-timed", timeout = "PT0.05S") // ISO-8601 works as well as 50ms
    public String awaitedOrTimeout(Probe probe) {
      return probe.instantBody("value");
    }

    @SetsEvent("set-by-value")
    public String setByValue(boolean fail) {
      if (fail) {
        throw new IllegalStateException("failed on purpose");
      }
      return "done";
    }

    @SetsEvent("set-by-void")
    public void setByVoid(boolean fail) {
      if (fail) {
        throw new IllegalStateException("failed on purpose");
      }
    }

    @SetsEvent("set-by-future")
    public CompletableFuture<String> setByFuture(CompletableFuture<String> result) {
      return result;
    }

    @SetsEvent("set-by-stage")
    public CompletionStage<String> setByStage(CompletableFuture<String> result) {
      return result;
    }

    @SetsEvent("set-by-mono")
    public Mono<String> setByMono(Mono<String> source) {
      return source;
    }

    @SetsEvent("set-by-flux")
    public Flux<String> setByFlux(Flux<String> source) {
      return source;
    }
  }

  /** Several annotations on one method. */
  public static class OrderingService {

    @AwaitsEvent("gate")
    @Limited(value = "gate-permits", permits = 1)
    public CompletableFuture<String> gatedLimited(Probe probe) {
      return probe.body("gated");
    }

    @AwaitsEvent("gate-mono")
    @Limited(value = "gate-mono-permits", permits = 1)
    public Mono<String> gatedLimitedMono(Probe probe) {
      return Mono.fromFuture(probe.body("gated"));
    }

    @Guarded("gate-three-lock")
    @AwaitsEvent("gate-three")
    @Limited(value = "gate-three-permits", permits = 1)
    public CompletableFuture<String> gatedLimitedGuarded(Probe probe) {
      return probe.body("gated");
    }

    @Guarded("limited-guarded-lock")
    @Limited(value = "limited-guarded-permits", permits = 1)
    public String limitedGuarded(Probe probe) {
      return probe.instantBody("value");
    }

    @Guarded("limited-guarded-mono-lock")
    @Limited(value = "limited-guarded-mono-permits", permits = 1)
    public Mono<String> limitedGuardedMono(Probe probe) {
      return Mono.fromFuture(probe.body("mono"));
    }

    @SetsEvent("done-value")
    @Guarded("done-value-lock")
    public String setsAfterGuarded(Probe probe) {
      return probe.instantBody("value");
    }

    @SetsEvent("done-future")
    @Limited(value = "done-future-permits", permits = 1)
    public CompletableFuture<String> setsAfterLimitedFuture(Probe probe) {
      return probe.body("future");
    }

    @SetsEvent("done-mono")
    @Limited(value = "done-mono-permits", permits = 1)
    public Mono<String> setsAfterLimitedMono(Probe probe) {
      return Mono.fromFuture(probe.body("mono"));
    }

    @SetsEvent("given-up-future")
    @Guarded(value = "given-up-lock", timeout = "0")
    public CompletableFuture<String> setsUnlessGuardedGivesUp(Probe probe) {
      return probe.body("future");
    }

    @SetsEvent("given-up-mono")
    @Guarded(value = "given-up-lock", timeout = "0")
    public Mono<String> setsUnlessGuardedMonoGivesUp(Probe probe) {
      return Mono.fromFuture(probe.body("mono"));
    }

    @SetsEvent("done-flux")
    @Limited(value = "done-flux-permits", permits = 1)
    public Flux<String> setsAfterLimitedFlux(Probe probe) {
      return Mono.fromFuture(probe.body("flux")).flux();
    }
  }

  /** A class without annotations, whose public method {@link ClassLevelService} inherits. */
  public static class PlainService {

    public String inherited(Probe probe) {
      return probe.instantBody("inherited");
    }
  }

  /** A class-level annotation, overridden on one method. */
  @Limited(value = "class-permits", permits = 1)
  public static class ClassLevelService extends PlainService {

    public CompletableFuture<String> first(Probe probe) {
      return probe.body("first");
    }

    public String second(Probe probe) {
      return probe.blockingBody("second");
    }

    @Limited(value = "method-permits", permits = 2)
    public CompletableFuture<String> overridden(Probe probe) {
      return probe.body("overridden");
    }

    protected String notPublic(Probe probe) {
      return probe.instantBody("not public");
    }
  }

  /** {@code @Async} with {@code @Limited}. */
  public static class AsyncService {

    @Async
    @Limited(value = "async-permits", permits = 2)
    public CompletableFuture<String> work(Probe probe, String value) {
      return probe.body(value);
    }
  }

  /** Spring's {@code @Retryable} with {@code @Guarded}. */
  public static class RetriedService {

    @Retryable(maxRetries = 2, delay = 0)
    @Guarded("retried-lock")
    public String attempt(Supplier<String> body) {
      return body.get();
    }
  }

  /** {@code @Transactional} with {@code @Guarded}. */
  public static class TransactionalService {

    static final String LOCK = "tx-lock";

    private final TransactionJournal journal;

    TransactionalService(TransactionJournal journal) {
      this.journal = journal;
    }

    @Transactional
    @Guarded(LOCK)
    public void update() {
      recordBody();
    }

    @Transactional
    @Guarded(LOCK)
    public void failingUpdate() {
      recordBody();
      throw new IllegalStateException("failed on purpose");
    }

    private void recordBody() {
      journal.record("body, transaction active: "
          + TransactionSynchronizationManager.isActualTransactionActive());
    }
  }
}
