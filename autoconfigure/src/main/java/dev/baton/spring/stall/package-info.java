/**
 * The stall view: who waits for whom among a registry's calls, and why they are stuck, where a
 * thread dump shows nothing. Off by default; {@code baton.stalls.level=basic} (or {@code strict},
 * for tests) turns it on.
 *
 * <ul>
 *   <li>{@link dev.baton.spring.stall.StallView}: the registry's {@code WaitWatch}; keeps the
 *       pending waits, names re-entries, confirms deadlocks, explains timeouts.
 *   <li>{@link dev.baton.spring.stall.WaitForGraph}: one moment's waits, reduced to the calls
 *       that can never proceed, with {@link dev.baton.spring.stall.LeafCalls} and
 *       {@link dev.baton.spring.stall.HashBits} for the many calls nothing waits for;
 *       {@link dev.baton.spring.stall.Deadlock} and {@link dev.baton.spring.stall.StuckCall} say
 *       what it found.
 *   <li>{@link dev.baton.spring.stall.Inversions} and {@link dev.baton.spring.stall.LockOrders}:
 *       lock orders learned as calls run, and the ones that close a cycle.
 *   <li>{@link dev.baton.spring.stall.StallScan}: holds and waits past their thresholds.
 *   <li>{@link dev.baton.spring.stall.LeakedPermits}: permits dropped unreleased, which the
 *       collector tells it of.
 *   <li>{@link dev.baton.spring.stall.StallWatchdog}: looks on its own, also when all is quiet.
 *   <li>Surfaces: the {@code batonstalls} endpoint ({@link dev.baton.spring.stall.StallsEndpoint}),
 *       the {@code baton} health indicator, the meters ({@link dev.baton.spring.stall.StallMeters})
 *       and {@link dev.baton.spring.stall.StallViewExtension} for tests.
 * </ul>
 *
 * <p>Calls are named by site and primitives by kind and name; keys never leave the registry.
 */
package dev.baton.spring.stall;
