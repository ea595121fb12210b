package dev.baton.spring.aspect;

import org.aopalliance.intercept.MethodInvocation;

/**
 * What an aspect resolves once for a method whose every call waits at the same gate: the gate
 * and the adapter for the method's return type.
 *
 * @param <R> what the gate's wait grants
 */
record GatedCall<R>(ReturnTypeAdapter adapter, Gate<R> gate) {

  /** Runs {@code invocation} behind the gate. */
  Object proceed(MethodInvocation invocation) throws Throwable {
    return adapter.around(gate, new ProxyCall(invocation));
  }
}
