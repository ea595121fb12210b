/**
 * The registry of {@code baton.backend=local}: every primitive lives in this JVM.
 * {@link dev.baton.spring.local.LocalPrimitiveRegistry} wraps Baton's core primitives so that their
 * waits and holds are reported through {@link dev.baton.spring.observation}, and keeps per-key
 * lock families. Another backend is a sibling package reporting through the same observation
 * types.
 */
package dev.baton.spring.local;
