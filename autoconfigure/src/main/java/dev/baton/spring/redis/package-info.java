/**
 * The backend {@code baton.backend=redis}: {@link dev.baton.spring.redis.RedisPrimitives} hands
 * the registry the locks, semaphores and events of a {@link dev.baton.redis.RedisBackend}
 * connected where Spring Boot's {@code spring.data.redis.*} points. Nothing here is loaded unless
 * the {@code dev.baton:baton-redis} module is on the class path.
 */
package dev.baton.spring.redis;
