package dev.baton.spring;

import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import dev.baton.spring.web.BatonWebAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * Baton in a {@code @WebMvcTest} or {@code @WebFluxTest} slice, so that a controller's
 * annotations hold there as in the application: the registry of {@code baton.*} primitives, the
 * aspects, the 503 answer to a timeout and the stall view. A slice loads no Redis connection, so
 * with {@code baton.backend=redis} it loads none of Baton, as before this existed; a slice test
 * that sets {@code baton.backend=local} gets the annotations on this JVM's primitives.
 */
@AutoConfiguration
@ConditionalOnProperty(name = "baton.backend", havingValue = "local", matchIfMissing = true)
@ImportAutoConfiguration({BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
    BatonWebAutoConfiguration.class, BatonStallsAutoConfiguration.class})
public final class BatonSliceAutoConfiguration {}
