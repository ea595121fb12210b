package dev.baton.spring.aspect;

/** The intercepted method call, run at most once: {@code ProceedingJoinPoint::proceed}. */
@FunctionalInterface
public interface Invocation {

  /** Runs the method (and any inner advice) and returns its result. */
  Object proceed() throws Throwable;
}
