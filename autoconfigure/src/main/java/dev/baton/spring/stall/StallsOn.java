package dev.baton.spring.stall;

import dev.baton.spring.BatonProperties;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code baton.stalls.level} is set to anything but {@code off}. */
final class StallsOn extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context,
      AnnotatedTypeMetadata metadata) {
    String level = context.getEnvironment()
        .getProperty(BatonProperties.Stalls.LEVEL_PROPERTY, "off");
    return new ConditionOutcome(!"off".equalsIgnoreCase(level.trim()),
        BatonProperties.Stalls.LEVEL_PROPERTY + "=" + level);
  }
}
