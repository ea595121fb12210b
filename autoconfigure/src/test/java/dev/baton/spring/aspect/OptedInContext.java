package dev.baton.spring.aspect;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.MDC;

/**
 * The thread context the tests give their callers, and how an application opts it in to context
 * propagation: the MDC's {@link Sightings#REQUEST} key with context-propagation's
 * {@link Slf4jThreadLocalAccessor}, and the {@link Sightings#TENANT} ThreadLocal under
 * {@link #TENANT_KEY}.
 */
final class OptedInContext {

  /** The key {@link Sightings#TENANT} is registered under, in ThreadLocals and Reactor Contexts. */
  static final String TENANT_KEY = "test.tenant";

  private OptedInContext() {}

  /** Registers the accessors before a test class and removes them after it. */
  static final class OptIn implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
      ContextRegistry.getInstance()
          .registerThreadLocalAccessor(new Slf4jThreadLocalAccessor(Sightings.REQUEST))
          .registerThreadLocalAccessor(TENANT_KEY, Sightings.TENANT);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      ContextRegistry.getInstance().removeThreadLocalAccessor(Slf4jThreadLocalAccessor.KEY);
      ContextRegistry.getInstance().removeThreadLocalAccessor(TENANT_KEY);
    }
  }

  /**
   * Starts {@code action} on a new thread named {@code name}, whose MDC request is
   * {@code name + "-request"} and tenant {@code name + "-tenant"} while the action runs; the future
   * completes with what the action returned.
   */
  static <T> CompletableFuture<T> start(String name, Callable<T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    new Thread(() -> {
      MDC.put(Sightings.REQUEST, name + "-request");
      Sightings.TENANT.set(name + "-tenant");
      try {
        result.complete(action.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      } finally {
        MDC.remove(Sightings.REQUEST);
        Sightings.TENANT.remove();
      }
    }, name).start();
    return result;
  }

  /** Like {@link #start}, and waits up to 5 s for the action's result. */
  static <T> T on(String name, Callable<T> action) {
    return Waits.joined(start(name, action));
  }
}
