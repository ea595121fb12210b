package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;

/**
 * The invocation Baton's advisors hand to their adapters runs at most once, and its copies, taken
 * before it runs, each run the whole inner chain again.
 */
class ProxyCallTest {

  /** The proxied interface; its result is whatever the outer advice returns. */
  interface Greeter {
    Object greet(String name);
  }

  private final AtomicInteger innerAdviceRuns = new AtomicInteger();
  private final AtomicInteger bodyRuns = new AtomicInteger();

  @Test
  void copiesTakenBeforeItRunsEachRunTheInnerAdviceAndTheMethod() {
    Object result = callThroughProxy(call -> {
      Invocation unrun = call.copy();
      return proceed(unrun.copy()) + " / " + proceed(unrun.copy()) + " / " + proceed(call);
    });

    assertThat(result).isEqualTo("hello ada / hello ada / hello ada");
    assertThat(innerAdviceRuns).hasValue(3);
    assertThat(bodyRuns).hasValue(3);
  }

  @Test
  void proceedingASecondTimeFailsNamingTheMethod() {
    Object result = callThroughProxy(call -> {
      proceed(call);
      return failureOf(call::proceed);
    });

    assertThat(result).isInstanceOf(IllegalStateException.class).asString()
        .contains("Greeter.greet", "already run", "copy()");
    assertThat(bodyRuns).hasValue(1);
  }

  @Test
  void copyingAfterItRanFails() {
    Object result = callThroughProxy(call -> {
      proceed(call);
      return failureOf(call::copy);
    });

    assertThat(result).isInstanceOf(IllegalStateException.class).asString()
        .contains("Cannot copy", "already run");
  }

  @Test
  void anInvocationThatCannotBeClonedCannotBeCopied() throws NoSuchMethodException {
    Method greet = Greeter.class.getMethod("greet", String.class);
    ProxyCall call = new ProxyCall(new MethodInvocation() {
      @Override
      public Method getMethod() {
        return greet;
      }

      @Override
      public Object[] getArguments() {
        return new Object[] {"ada"};
      }

      @Override
      public Object proceed() {
        return "hello ada";
      }

      @Override
      public Object getThis() {
        return null;
      }

      @Override
      public AccessibleObject getStaticPart() {
        return greet;
      }
    });

    assertThatThrownBy(call::copy).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Greeter.greet").hasMessageContaining("ProxyMethodInvocation");
  }

  /**
   * Calls {@code greet("ada")} through a proxy whose outer advice hands its invocation, as a
   * {@link ProxyCall}, to {@code advice}, and whose inner advice counts its runs.
   */
  private Object callThroughProxy(Function<ProxyCall, Object> advice) {
    ProxyFactory factory = new ProxyFactory((Greeter) name -> {
      bodyRuns.incrementAndGet();
      return "hello " + name;
    });
    factory.addInterface(Greeter.class);
    factory.addAdvice((MethodInterceptor) invocation -> advice.apply(new ProxyCall(invocation)));
    factory.addAdvice((MethodInterceptor) invocation -> {
      innerAdviceRuns.incrementAndGet();
      return invocation.proceed();
    });
    return ((Greeter) factory.getProxy()).greet("ada");
  }

  private static Object proceed(Invocation invocation) {
    try {
      return invocation.proceed();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static Object failureOf(ThrowingCall call) {
    try {
      call.run();
      return "no failure";
    } catch (Throwable t) {
      return t;
    }
  }

  @FunctionalInterface
  private interface ThrowingCall {
    Object run() throws Throwable;
  }
}
