package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.reflect.MethodSignature;
import org.springframework.aop.support.AopUtils;

/** What the aspects need to know about an intercepted call. */
record JoinPoints(Method method, Class<?> targetClass) {

  static JoinPoints of(ProceedingJoinPoint pjp) {
    Class<?> targetClass = AopUtils.getTargetClass(pjp.getTarget());
    Method declared = ((MethodSignature) pjp.getSignature()).getMethod();
    return new JoinPoints(AopUtils.getMostSpecificMethod(declared, targetClass), targetClass);
  }
}
