/**
 * The registry of every backend and the backend {@code baton.backend=local}.
 * {@link dev.baton.spring.local.DefaultPrimitiveRegistry} wraps the primitives a
 * {@link dev.baton.spring.PrimitiveSource} makes (Baton's core primitives with
 * {@link dev.baton.spring.local.LocalPrimitives}) so that their waits and holds are reported
 * through {@link dev.baton.spring.observation}, and keeps per-key lock families. Another backend
 * is a sibling package with a {@code PrimitiveSource} of its own.
 */
package dev.baton.spring.local;
