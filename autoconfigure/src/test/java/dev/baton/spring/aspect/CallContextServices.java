package dev.baton.spring.aspect;

import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.PrimitiveRegistry;
import java.util.concurrent.CompletableFuture;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Before;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The annotated beans of {@link CallContextTestApplication}: methods whose body runs again for
 * every subscription, and methods whose body may run away from its caller after a wait.
 */
final class CallContextServices {

  private CallContextServices() {}

  /** Reactive methods with advice inside Baton's: {@code @Guarded}, or {@code @Transactional}. */
  public static class ResubscribedService {

    static final String MONO_LOCK = "resubscribed-mono-lock";
    static final String FLUX_LOCK = "resubscribed-flux-lock";

    private final PrimitiveRegistry registry;

    ResubscribedService(PrimitiveRegistry registry) {
      this.registry = registry;
    }

    @Limited(value = "resubscribed-mono-permits", permits = 2)
    @Guarded(MONO_LOCK)
    public Mono<String> guardedMono(Attempts attempts) {
      return attempts.run(registry.lock(MONO_LOCK).isLocked());
    }

    @Limited(value = "resubscribed-flux-permits", permits = 2)
    @Guarded(FLUX_LOCK)
    public Flux<String> guardedFlux(Attempts attempts) {
      return attempts.run(registry.lock(FLUX_LOCK).isLocked()).flux();
    }

    @Transactional
    @Limited(value = "resubscribed-transactional-permits", permits = 1)
    public Mono<String> transactionalMono(Attempts attempts) {
      return attempts.run(TransactionSynchronizationManager.isActualTransactionActive());
    }
  }

  /**
   * One method per return type, all limited by one semaphore of one permit, so that a test holding
   * the permit makes any call wait; each body notes what it sees in the {@link Sightings} it is
   * given.
   */
  public static class ContextService {

    static final String PERMITS = "context-permits";

    @Limited(value = PERMITS, permits = 1)
    public CompletableFuture<String> future(Sightings sightings) {
      return CompletableFuture.completedFuture(sightings.look("future"));
    }

    @Limited(value = PERMITS, permits = 1)
    public Mono<String> mono(Sightings sightings) {
      return Mono.just(sightings.look("mono"));
    }

    @Limited(value = PERMITS, permits = 1)
    public Mono<String> monoOnSubscription(Sightings sightings) {
      sightings.look("mono method");
      return Mono.fromCallable(() -> sightings.look("mono subscription"));
    }

    @Limited(value = PERMITS, permits = 1)
    public Flux<String> flux(Sightings sightings) {
      return Flux.just(sightings.look("flux"));
    }

    @Limited(value = PERMITS, permits = 1)
    public String blocking(Sightings sightings) {
      return sightings.look("blocking");
    }

    @Limited(value = PERMITS, permits = 1)
    public CompletableFuture<String> withInnerAspect(Sightings sightings) {
      return CompletableFuture.completedFuture(sightings.look("with inner aspect"));
    }

    @Transactional
    @Limited(value = PERMITS, permits = 1)
    public CompletableFuture<String> transactional(Sightings sightings) {
      return CompletableFuture.completedFuture(sightings.look("transactional"));
    }
  }

  /**
   * One method per return type, all limited by one semaphore of two permits; each body is a
   * {@link Visit}'s.
   */
  public static class CrowdedService {

    static final String PERMITS = "crowded-permits";

    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> future(Visit visit) {
      return visit.body();
    }

    @Limited(value = PERMITS, permits = 2)
    public Mono<String> mono(Visit visit) {
      return Mono.fromFuture(visit.body());
    }

    @Limited(value = PERMITS, permits = 2)
    public Flux<String> flux(Visit visit) {
      return Mono.fromFuture(visit.body()).flux();
    }

    @Limited(value = PERMITS, permits = 2)
    public String blocking(Visit visit) {
      return visit.body().join();
    }
  }

  /**
   * An application's aspect inside Baton's, on {@code ContextService.withInnerAspect}: its advice
   * binds the join point, which Spring AOP finds through {@code ExposeInvocationInterceptor}'s
   * current invocation.
   */
  @Aspect
  public static class JoinPointAspect {

    @Before("execution(* dev.baton.spring.aspect.CallContextServices.ContextService"
        + ".withInnerAspect(..)) && args(sightings)")
    public void noteJoinPoint(JoinPoint joinPoint, Sightings sightings) {
      sightings.joinPoint(joinPoint);
    }
  }
}
