package dev.baton.spring.redis;

import dev.baton.spring.BatonProperties.Backend;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code baton.backend}, read as the properties bind it (trimmed, in any case,
 * dashes and underscores ignored), is {@code redis}: the backend is Redis exactly when the bound
 * properties say so. A backend binding refuses fails start-up naming it.
 */
final class RedisChosen extends SpringBootCondition {

  private static final String BACKEND = "baton.backend";

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context,
      AnnotatedTypeMetadata metadata) {
    Backend backend = Binder.get(context.getEnvironment()).bind(BACKEND, Backend.class)
        .orElse(Backend.LOCAL);
    return new ConditionOutcome(backend == Backend.REDIS, BACKEND + "=" + backend);
  }
}
