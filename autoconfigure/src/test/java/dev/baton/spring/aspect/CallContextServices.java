package dev.baton.spring.aspect;

import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.PrimitiveRegistry;
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
}
