/**
 * Baton's Spring Boot integration: the {@link dev.baton.spring.PrimitiveRegistry} contract with
 * its {@link dev.baton.spring.NamedPrimitive} and {@link dev.baton.spring.LockFamily} views,
 * {@link dev.baton.spring.BatonProperties} ({@code baton.*}) and the auto-configuration that
 * chooses a backend.
 *
 * <p>Sub-packages: {@code observation}, what every backend reports and the meters and endpoint
 * read; {@code local}, the in-JVM backend; {@code metrics}, {@code endpoint} and {@code aspect},
 * which work with any backend.
 */
package dev.baton.spring;
