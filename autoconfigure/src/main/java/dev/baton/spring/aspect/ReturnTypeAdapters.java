package dev.baton.spring.aspect;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.stream.BaseStream;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterizedTypeReference;
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
 * the proxy could not return a future or publisher that waits in its place. So is, for the same
 * reason, a synchronous type that holds asynchronous results ({@code Optional<CompletableFuture>},
 * {@code List<Mono>}, an array of futures), and a {@link java.util.stream.Stream}, whose elements
 * are computed only as it is consumed, or a type holding one. So is an adapted type whose value
 * holds asynchronous results or streams ({@code Mono<ResponseEntity<Flux<T>>>},
 * {@code Mono<Flux<T>>}, {@code CompletableFuture<Mono<T>>}, {@code Mono<Stream<T>>}): it is let
 * go when the outer result completes, before the inner ones run. The refusal fails start-up
 * ({@link AnnotationValidator}), or the creation of a bean created later. A method whose
 * declared type passes (such as {@code Object}) but that returns such a result at run time is
 * held until a {@code CompletionStage} completes, or fails that call ({@link BlockingAdapter}).
 */
public final class ReturnTypeAdapters {

  private static final String REACTIVE_STREAMS_PUBLISHER = "org.reactivestreams.Publisher";
  /** Kotlin's cold stream and result to come, returned by plain (not suspend) functions. */
  private static final List<String> KOTLIN_ASYNCHRONOUS =
      List.of("kotlinx.coroutines.flow.Flow", "kotlinx.coroutines.Deferred");

  /** Types whose type arguments name a type, holding no value of it. */
  private static final Set<Type> TYPE_TOKENS =
      Set.of(Class.class, ParameterizedTypeReference.class);
  /** The types whose subtypes are results still to come. */
  private static final List<Class<?>> ASYNCHRONOUS = asynchronousTypes();
  /** Per class of a result returned at run time, whether it is still to come. */
  private static final ClassValue<Boolean> STILL_TO_COME = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return isAsynchronous(type) || BaseStream.class.isAssignableFrom(type);
    }
  };

  private final List<ReturnTypeAdapter> adapters;
  private final ClassLoader classLoader;
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
        if (isAsynchronous(type)) {
          refuseNested(method);
        }
        return adapter;
      }
    }
    if (isAsynchronous(type)) {
      throw new IllegalStateException(AnnotationBindings.signature(method) + " returns "
          + type.getName() + ", which is asynchronous, but no ReturnTypeAdapter handles it: Baton"
          + " would wait on the calling thread and let go when the method returns, not when its"
          + " result completes; declare CompletableFuture or CompletionStage (or, with Reactor,"
          + " Mono, Flux or Publisher), or register a ReturnTypeAdapter bean that handles "
          + type.getName());
    }
    if (SuspendingFunctions.isSuspending(method)) {
      return new BlockingAdapter(method);
    }
    Type declared = method.getGenericReturnType();
    if (BaseStream.class.isAssignableFrom(type)) {
      throw new IllegalStateException(AnnotationBindings.signature(method) + " returns "
          + declared.getTypeName() + ", which is lazy: its elements are computed as it is"
          + " consumed, after Baton has let go when the method returned; return a List (or, with"
          + " Reactor, a Flux), or register a ReturnTypeAdapter bean that handles "
          + type.getName());
    }
    if (holdsStillToCome(declared)) {
      throw new IllegalStateException(AnnotationBindings.signature(method) + " returns "
          + declared.getTypeName() + ", which holds asynchronous results or lazy streams: Baton"
          + " would let go when the method returns, before they complete; return one"
          + " CompletableFuture or Mono that completes with them all, or register a"
          + " ReturnTypeAdapter bean that handles " + type.getName());
    }
    return new BlockingAdapter(method);
  }

  /**
   * Refuses an asynchronous type whose value holds asynchronous results of its own, such as
   * WebFlux's {@code Mono<ResponseEntity<Flux<T>>>} or a {@code CompletableFuture<Mono<T>>}, or
   * a lazy stream ({@code Mono<Stream<T>>}): an adapter lets go once the outer result
   * completes, before the inner ones (a streaming body WebFlux writes afterwards, the elements
   * of a stream computed as they are consumed) have run. A synchronous type an application's
   * own adapter handles ({@code Optional<CompletableFuture<T>>}, as the refusal of such types
   * advises) is that adapter's to hold. For a suspend function, what it returns in Kotlin
   * ({@code suspend fun body(): ResponseEntity<Flux<T>>}).
   */
  private static void refuseNested(Method method) {
    boolean suspending = SuspendingFunctions.isSuspending(method);
    Type declared = suspending ? new MethodParameter(method, -1).getGenericParameterType()
        : method.getGenericReturnType();
    if (holdsStillToCome(declared)) {
      String raw = suspending ? "coroutine" : method.getReturnType().getSimpleName();
      throw new IllegalStateException(AnnotationBindings.signature(method) + " returns "
          + declared.getTypeName() + ", whose value holds asynchronous results or lazy streams"
          + " (such as a streaming body, which WebFlux writes after the " + raw + " completes):"
          + " Baton would let go when the " + raw + " completes, before they have run; declare"
          + " the asynchronous result itself (a Flux of the body's elements), or annotate the"
          + " method that produces it instead of the one that wraps it");
    }
  }

  /**
   * Whether {@code result}, returned at run time, is still to come: asynchronous, or a
   * {@code Stream}, as a declared type is refused for.
   */
  static boolean isStillToCome(Object result) {
    return result != null && STILL_TO_COME.get(result.getClass());
  }

  /**
   * Whether values of the declared {@code type} are still to come: asynchronous, or a
   * {@code Stream}.
   */
  static boolean isStillToCome(Class<?> type) {
    return STILL_TO_COME.get(type);
  }

  private static boolean isAsynchronous(Class<?> type) {
    return ASYNCHRONOUS.stream().anyMatch(asynchronous -> asynchronous.isAssignableFrom(type));
  }

  /**
   * Whether a type argument or array component of {@code type}, at any depth, is still to come
   * (asynchronous or a {@code Stream}), as in {@code Optional<CompletableFuture<T>>},
   * {@code List<Mono<T>>} or {@code Mono<Stream<T>>}. The arguments of a type token
   * ({@code Class<? extends Future<?>>}, Spring's {@code ParameterizedTypeReference}) name a type
   * and hold no value of it.
   */
  static boolean holdsStillToCome(Type type) {
    if (type instanceof Class<?> plain) {
      return plain.isArray() && isOrHoldsStillToCome(plain.getComponentType());
    }
    if (type instanceof ParameterizedType parameterized) {
      if (TYPE_TOKENS.contains(parameterized.getRawType())) {
        return false;
      }
      return Arrays.stream(parameterized.getActualTypeArguments())
          .anyMatch(ReturnTypeAdapters::isOrHoldsStillToCome);
    }
    if (type instanceof GenericArrayType array) {
      return isOrHoldsStillToCome(array.getGenericComponentType());
    }
    if (type instanceof WildcardType wildcard) {
      return Arrays.stream(wildcard.getUpperBounds())
          .anyMatch(ReturnTypeAdapters::isOrHoldsStillToCome);
    }
    return false;
  }

  private static boolean isOrHoldsStillToCome(Type type) {
    Class<?> raw = type instanceof ParameterizedType parameterized
        ? (Class<?>) parameterized.getRawType() : type instanceof Class<?> plain ? plain : null;
    return (raw != null && isStillToCome(raw)) || holdsStillToCome(type);
  }
}
