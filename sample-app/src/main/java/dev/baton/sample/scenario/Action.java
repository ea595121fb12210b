package dev.baton.sample.scenario;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a participant did at one point of a {@link Timeline}. */
public enum Action {
  /** Started waiting: for a lock, a permit, an event or a signal. */
  WAITING,
  /** Was granted a lock or a permit (and holds it until {@link #RELEASED}). */
  ACQUIRED,
  /** Gave back a lock or a permit; recorded just before the release hands it on. */
  RELEASED,
  /** Set an event; recorded just before the waiters are woken. */
  SET,
  /** Signalled a condition's waiters; recorded just before the signal. */
  SIGNALLED,
  /** Went on after the event or signal it was waiting for. */
  PROCEEDED,
  /** Put an item into a queue (the put has completed). */
  PRODUCED,
  /** Took an item from a queue. */
  CONSUMED,
  /** Stopped: a consumer whose pending take was cancelled once the queue was drained. */
  STOPPED,
  /** Gave up waiting for a lock when its timeout expired; the entry's message says why. */
  TIMED_OUT;

  /** The JSON form: lower case, words joined by a hyphen ({@code timed-out}). */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
