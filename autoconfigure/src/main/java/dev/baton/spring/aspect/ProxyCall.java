package dev.baton.spring.aspect;

import dev.baton.spring.observation.CurrentCall;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.interceptor.ExposeInvocationInterceptor;

/**
 * The {@link Invocation} that one of Baton's advisors passes to its adapter: a call through a
 * Spring AOP proxy, standing at that advisor in the proxy's interceptor chain.
 *
 * <p>Spring's {@code MethodInvocation} moves forward through the chain on each {@code proceed}
 * and never moves back, so proceeding it twice would skip every advice inside Baton's and go
 * straight to the method. Hence {@link #proceed} runs once, and {@link #copy} clones the
 * invocation where it stands ({@link ProxyMethodInvocation#invocableClone()}: same chain,
 * arguments array copied, a position of its own).
 */
final class ProxyCall implements ExposedCall {

  /** The chain, standing at the advisor that made this call until {@link #proceed}. */
  private final MethodInvocation invocation;
  /** Whether this is a {@link #copy}, run for one subscription of a reactive result. */
  private final boolean copied;
  /**
   * Whether {@link #proceed} has run: a check against adapters that run an invocation twice, not
   * a guard between threads (an adapter never proceeds one invocation from two threads).
   */
  private boolean proceeded;

  ProxyCall(MethodInvocation invocation) {
    this(invocation, false);
  }

  private ProxyCall(MethodInvocation invocation, boolean copied) {
    this.invocation = invocation;
    this.copied = copied;
  }

  @Override
  public Object proceed() throws Throwable {
    markProceeded();
    return invocation.proceed();
  }

  @Override
  public Object proceedExposed() throws Throwable {
    markProceeded();
    return ExposeInvocationInterceptor.INSTANCE.invoke(invocation);
  }

  @Override
  public Invocation copy() {
    checkNotProceeded("copy");
    if (!(invocation instanceof ProxyMethodInvocation proxied)) {
      throw new IllegalStateException("Cannot run " + invocation.getMethod()
          + " again: its MethodInvocation (" + invocation.getClass().getName()
          + ") cannot be cloned; a Spring AOP proxy passes a ProxyMethodInvocation");
    }
    return new ProxyCall(proxied.invocableClone(), true);
  }

  private void markProceeded() {
    checkNotProceeded("proceed");
    proceeded = true;
    if (copied) {
      // A copy runs as its subscription's call: its inner Baton advice joins that call.
      CurrentCall.runs(invocation);
    }
  }

  private void checkNotProceeded(String what) {
    if (proceeded) {
      throw new IllegalStateException("Cannot " + what + " an invocation of "
          + invocation.getMethod() + " that has already run: an invocation runs at most once,"
          + " take a copy() before it proceeds to run the call again");
    }
  }
}
