package dev.baton.spring.metrics;

import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitSite;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Makes each wait on a registry's primitives a Micrometer {@link Observation} named
 * {@value #NAME}, with low-cardinality keys {@code primitive}, {@code name} and, once it ends,
 * {@code outcome}: with tracing set up, waits show as spans inside the request that waited.
 */
public final class BatonObservations implements WaitListener {

  public static final String NAME = "baton.waiting";

  private final ObservationRegistry observations;

  public BatonObservations(ObservationRegistry observations) {
    this.observations = observations;
  }

  @Override
  public Wait started(WaitSite site) {
    Observation observation = Observation.createNotStarted(NAME, observations)
        .contextualName("wait for " + site.primitive() + " " + site.name())
        .lowCardinalityKeyValue(BatonTimers.TAG_PRIMITIVE, site.primitive())
        .lowCardinalityKeyValue(BatonGauges.TAG_NAME, site.name())
        .start();
    return outcome -> observation
        .lowCardinalityKeyValue(BatonTimers.TAG_OUTCOME, outcome.tag())
        .stop();
  }
}
