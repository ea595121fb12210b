/**
 * What a backend's primitives report, and what Baton's meters, observations and {@code baton}
 * endpoint read: the service-provider interface shared by every {@link
 * dev.baton.spring.PrimitiveRegistry} implementation.
 *
 * <p>Waits: each wait on a registry's primitive happens at a {@link
 * dev.baton.spring.observation.WaitSite} and ends with a {@link
 * dev.baton.spring.observation.WaitOutcome}; {@link dev.baton.spring.observation.WaitListener}
 * beans are told, through a registry's {@link dev.baton.spring.observation.WaitListeners}.
 *
 * <p>Holds, three ideas with one word each:
 * <ul>
 *   <li>{@link dev.baton.spring.observation.Hold}: one hold of a lock or permit, from grant to
 *       release;
 *   <li>{@link dev.baton.spring.observation.LiveHolds}: the holds of one lock or semaphore that
 *       have not ended yet;
 *   <li>{@link dev.baton.spring.observation.HoldTracking}: a lock or semaphore able to keep its
 *       live holds, which it does once a {@link
 *       dev.baton.spring.observation.HoldTrackingRequest} bean asks for it.
 * </ul>
 *
 * <p>A backend reports a lock's or semaphore's waits and holds the same way as the local one by
 * passing each acquire through one {@link dev.baton.spring.observation.ObservedGrants} per
 * primitive (made by {@code ObservedGrants.of}, which picks the stall view's watched kind when
 * the view is on), and its other timed waits through {@link
 * dev.baton.spring.observation.RelayedGrant}, which names their timeouts after the site and hands
 * a pending grant on without breaking cancellation.
 *
 * <p>For the stall view ({@code dev.baton.spring.stall}): a {@link
 * dev.baton.spring.observation.Call} is one logical call, the {@link
 * dev.baton.spring.observation.CurrentCall} of the threads it runs on, and keeps the locks it
 * holds; a {@link
 * dev.baton.spring.observation.WaitWatch} is told about requests, holds and {@link
 * dev.baton.spring.observation.PendingWait}s; {@link dev.baton.spring.observation.EventSetters}
 * are the calls that will set an event.
 */
package dev.baton.spring.observation;
