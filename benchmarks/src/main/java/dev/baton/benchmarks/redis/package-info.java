/**
 * Baton's Redis backend against Redisson, on one local {@code redis-server} that each benchmark
 * starts on a free port and stops ({@link dev.baton.benchmarks.redis.RedisServerProcess}).
 *
 * <dl>
 * <dt>{@link dev.baton.benchmarks.redis.RedisLockBenchmark}</dt>
 * <dd>JMH: uncontended lock acquire+release per second, one thread and eight, each on its own
 * key.</dd>
 * <dt>{@link dev.baton.benchmarks.redis.RedisQueueBenchmark}</dt>
 * <dd>JMH: queue put+take pairs per second, one at a time and 32 in flight, unbounded and
 * bounded.</dd>
 * <dt>{@link dev.baton.benchmarks.redis.RedisRoundTrips}</dt>
 * <dd>Main class: round trips (commands sent) per acquire+release, counted by Redis's
 * {@code MONITOR}.</dd>
 * <dt>{@link dev.baton.benchmarks.redis.RedisQueueRoundTrips}</dt>
 * <dd>Main class: round trips, commands inside scripts and Redis CPU time per queue
 * put+take.</dd>
 * <dt>{@link dev.baton.benchmarks.redis.RedisHandOffLatency}</dt>
 * <dd>Main class: median and p99 latency of handing a lock from one JVM to a waiter in
 * another.</dd>
 * </dl>
 */
package dev.baton.benchmarks.redis;
