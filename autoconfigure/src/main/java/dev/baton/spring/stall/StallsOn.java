package dev.baton.spring.stall;

import dev.baton.spring.BatonProperties.Stalls;
import dev.baton.spring.BatonProperties.Stalls.Level;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code baton.stalls.level}, read as the properties bind it (enum values in any
 * case, dashes and underscores ignored), is {@code basic} or {@code strict}: the view is on
 * exactly when the bound level says so. A level binding refuses fails start-up naming it.
 */
final class StallsOn extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context,
      AnnotatedTypeMetadata metadata) {
    Level level = Binder.get(context.getEnvironment()).bind(Stalls.LEVEL_PROPERTY, Level.class)
        .orElse(Level.OFF);
    return new ConditionOutcome(level != Level.OFF, Stalls.LEVEL_PROPERTY + "=" + level);
  }
}
