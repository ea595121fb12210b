/**
 * Benchmark 4: what a limiting annotation costs through a real Spring proxy on a method returning
 * {@code CompletableFuture}, for Baton's {@code @Limited}, Spring Framework 7's
 * {@code @ConcurrencyLimit} and Resilience4j's {@code @Bulkhead}, against a plain call.
 *
 * <dl>
 * <dt>{@link dev.baton.benchmarks.annotations.UncontendedAnnotationBenchmark}</dt>
 * <dd>Per-call cost when a permit is always free.</dd>
 * <dt>{@link dev.baton.benchmarks.annotations.SaturatedAnnotationBenchmark}</dt>
 * <dd>64 concurrent calls on 4 permits, work completing 0 µs to 1 ms later: completed calls per
 * second, threads blocked waiting for a permit, and what the permits actually bound.</dd>
 * </dl>
 *
 * <p>Each trial starts one Spring Boot context with one limiter in it
 * ({@link dev.baton.benchmarks.annotations.LimiterApplication}) and checks that the annotation is
 * applied ({@link dev.baton.benchmarks.annotations.SerializationCheck}) before measuring.
 * {@code benchmarks/RESULTS.md} lists the settings and what a permit covers for each limiter.
 */
package dev.baton.benchmarks.annotations;
