package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import org.springframework.util.ClassUtils;

/**
 * Chooses, once per method, the first {@link ReturnTypeAdapter} that handles its declared return
 * type, with {@link BlockingAdapter} as the last resort for synchronous results.
 *
 * <p>Baton's own adapters accept exactly {@code CompletableFuture}, {@code CompletionStage} and,
 * with Reactor, {@code Mono}, {@code Flux} and {@code Publisher} (handled as a {@code Flux}), and
 * with {@code kotlinx-coroutines-reactor} also Kotlin's {@code Flow} and {@code Deferred}
 * ({@link ReactiveTypeAdapter}). A Kotlin {@code suspend} function counts as returning the
 * {@code Mono} (or, for a {@code Flow}, the {@code Flux}) that Spring's proxy runs it as
 * ({@link SuspendingFunctions}). Any other declared type that is clearly asynchronous, assignable
 * to {@link Future}, {@link CompletionStage}, {@link Flow.Publisher}, Reactive Streams'
 * {@code Publisher} or Kotlin's {@code Flow} or {@code Deferred}, is refused unless an adapter
 * bean accepts it: waiting on the calling thread and letting go when the method returns, before
 * its result completes, is never what such a method means. A plain
 * {@code Future} tells when it completes only to a thread that blocks on it, and for a subtype
 * such as a {@code CompletableFuture} subclass, {@code ParallelFlux} or {@code ConnectableFlux}
 * the proxy could not return a future or publisher that waits in its place. The refusal fails
 * start-up ({@link AnnotationValidator}), or the first call of a bean created later.
 */
public final class ReturnTypeAdapters {

  private static final String REACTIVE_STREAMS_PUBLISHER = "org.reactivestreams.Publisher";
  /** Kotlin's cold stream and result to come, returned by plain (not suspend) functions. */
  private static final List<String> KOTLIN_ASYNCHRONOUS =
      List.of("kotlinx.coroutines.flow.Flow", "kotlinx.coroutines.Deferred");

  /** The types whose subtypes are results still to come. */
  private static final List<Class<?>> ASYNCHRONOUS = asynchronousTypes();

  private final List<ReturnTypeAdapter> adapters;
  private final ClassLoader classLoader;
  private final ReturnTypeAdapter blocking = new BlockingAdapter();
  /** The adapter chosen per method; refused methods are never cached. */
  private final Map<Method, ReturnTypeAdapter> chosen = new ConcurrentHashMap<>();

  /**
   * @param adapters in order of preference; {@link BlockingAdapter} comes after them
   * @param classLoader the application's, in which Kotlin coroutine support is looked for
   */
  public ReturnTypeAdapters(List<ReturnTypeAdapter> adapters, ClassLoader classLoader) {
    this.adapters = List.copyOf(adapters);
    this.classLoader = classLoader;
  }

  /**
   * The adapter for {@code method}'s declared return type.
   *
   * @throws IllegalStateException if the type is asynchronous and only the blocking adapter
   *     accepts it, or the method suspends and Spring cannot run it as a publisher
   */
  ReturnTypeAdapter forMethod(Method method) {
    return chosen.computeIfAbsent(method, this::choose);
  }

  private static List<Class<?>> asynchronousTypes() {
    List<Class<?>> types =
        new ArrayList<>(List.of(Future.class, CompletionStage.class, Flow.Publisher.class));
    ClassLoader loader = ReturnTypeAdapters.class.getClassLoader();
    if (ClassUtils.isPresent(REACTIVE_STREAMS_PUBLISHER, loader)) {
      types.add(ClassUtils.resolveClassName(REACTIVE_STREAMS_PUBLISHER, loader));
    }
    for (String kotlin : KOTLIN_ASYNCHRONOUS) {
      if (ClassUtils.isPresent(kotlin, loader)) {
        types.add(ClassUtils.resolveClassName(kotlin, loader));
      }
    }
    return List.copyOf(types);
  }

  private ReturnTypeAdapter choose(Method method) {
    Class<?> type = SuspendingFunctions.isSuspending(method)
        ? SuspendingFunctions.adviceResultType(method, classLoader) : method.getReturnType();
    for (ReturnTypeAdapter adapter : adapters) {
      if (adapter.canHandle(type)) {
        return adapter;
      }
    }
    if (ASYNCHRONOUS.stream().anyMatch(asynchronous -> asynchronous.isAssignableFrom(type))) {
      throw new IllegalStateException(AnnotationBindings.signature(method) + " returns "
          + type.getName() + ", which is asynchronous, but no ReturnTypeAdapter handles it: Baton"
          + " would wait on the calling thread and let go when the method returns, not when its"
          + " result completes; declare CompletableFuture or CompletionStage (or, with Reactor,"
          + " Mono, Flux or Publisher), or register a ReturnTypeAdapter bean that handles "
          + type.getName());
    }
    return blocking;
  }
}
