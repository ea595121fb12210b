package dev.baton.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * A condition on one of Baton's on/off properties that reads it as {@link BatonProperties} binds
 * it: {@code true} or {@code false}, also {@code on}, {@code yes}, {@code off}, {@code no} in any
 * case; unset or blank, its default. A value binding refuses ({@code baton.enabled=ture}) fails
 * start-up naming the property and the value, instead of turning a part of Baton off unnoticed,
 * and a value binding reads as true ({@code on}) turns it on, as the bound properties say.
 */
public abstract class BatonSwitch extends SpringBootCondition {

  private final String property;
  private final boolean unset;

  private BatonSwitch(String property, boolean unset) {
    this.property = property;
    this.unset = unset;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context,
      AnnotatedTypeMetadata metadata) {
    boolean on = Binder.get(context.getEnvironment()).bind(property, Boolean.class)
        .orElse(unset);
    return new ConditionOutcome(on, property + "=" + on);
  }

  /** {@code baton.enabled}: Baton as a whole, on unless set. */
  public static final class Enabled extends BatonSwitch {
    public Enabled() {
      super("baton.enabled", true);
    }
  }

  /** {@code baton.web.enabled}: answering a timeout with 503, on unless set. */
  public static final class WebEnabled extends BatonSwitch {
    public WebEnabled() {
      super("baton.web.enabled", true);
    }
  }

  /** {@code baton.metrics.observations}: an observation per wait, on unless set. */
  public static final class Observations extends BatonSwitch {
    public Observations() {
      super("baton.metrics.observations", true);
    }
  }
}
