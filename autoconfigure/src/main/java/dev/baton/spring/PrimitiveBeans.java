package dev.baton.spring;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import java.util.Map;
import java.util.function.BiFunction;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Makes every primitive declared under {@code baton.*} a bean of its interface type, so that
 * {@code @Qualifier("payments") AsyncSemaphore payments} injects the registry's instance, the one
 * the annotations use. A declared lock is an {@link AsyncLock} bean, a semaphore an
 * {@link AsyncSemaphore}, an event an {@link AsyncEvent}, a queue an {@link AsyncQueue} (of its
 * {@code item-type} when declared) and a barrier an {@link AsyncBarrier}. A per-key lock family
 * (a lock declared with a {@code key-order} other than {@code none}: one lock a key) and a
 * semaphore declared without permits (they come from {@code @Limited}) are not beans.
 *
 * <p>Each bean is named {@code baton.KIND.NAME} ({@code baton.semaphore.payments}), which no
 * application bean is likely to be called, and is qualified by the primitive's name. It is
 * injected only where a {@code @Qualifier} asks for that name, never into an unqualified
 * injection point of its type, so declaring a second semaphore breaks no existing injection. The
 * registry owns the primitives: the beans have no destroy method.
 */
public final class PrimitiveBeans implements BeanDefinitionRegistryPostProcessor,
    EnvironmentAware {

  /** The attribute marking a bean this registers, which AOT processing leaves out. */
  static final String DECLARED = PrimitiveBeans.class.getName() + ".declared";

  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
    BatonProperties properties;
    try {
      properties = Binder.get(environment).bind("baton", BatonProperties.class).orElse(null);
    } catch (BindException e) {
      return; // binding BatonProperties itself reports the mistake, naming the property
    }
    if (properties == null) {
      return;
    }
    BeanFactory beans = (BeanFactory) registry;
    properties.locks().forEach((name, lock) -> {
      if (lock.keyOrder() == BatonProperties.KeyOrder.NONE) { // else a per-key family: no bean
        register(registry, beans, "lock", name, ResolvableType.forClass(AsyncLock.class),
            (primitives, lockName) -> primitives.lock(lockName));
      }
    });
    properties.semaphores().forEach((name, semaphore) -> {
      if (semaphore.permits() != null) { // else its permits come from @Limited, made later
        register(registry, beans, "semaphore", name,
            ResolvableType.forClass(AsyncSemaphore.class), PrimitiveRegistry::semaphore);
      }
    });
    declare(registry, beans, "event", properties.events(),
        ResolvableType.forClass(AsyncEvent.class), PrimitiveRegistry::event);
    declare(registry, beans, "barrier", properties.barriers(),
        ResolvableType.forClass(AsyncBarrier.class), PrimitiveRegistry::barrier);
    properties.queues().forEach((name, queue) -> register(registry, beans, "queue", name,
        queue.itemType() == null ? ResolvableType.forClass(AsyncQueue.class)
            : ResolvableType.forClassWithGenerics(AsyncQueue.class, queue.itemType()),
        PrimitiveRegistry::queue));
  }

  private static void declare(BeanDefinitionRegistry registry, BeanFactory beans, String kind,
      Map<String, ?> declared, ResolvableType type,
      BiFunction<PrimitiveRegistry, String, Object> primitive) {
    declared.keySet().forEach(name -> register(registry, beans, kind, name, type, primitive));
  }

  private static void register(BeanDefinitionRegistry registry, BeanFactory beans, String kind,
      String name, ResolvableType type, BiFunction<PrimitiveRegistry, String, Object> primitive) {
    RootBeanDefinition definition = new RootBeanDefinition();
    definition.setTargetType(type);
    definition.setInstanceSupplier(
        () -> primitive.apply(beans.getBean(PrimitiveRegistry.class), name));
    definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
    definition.setDefaultCandidate(false);
    definition.setDestroyMethodName("");
    definition.setAttribute(DECLARED, Boolean.TRUE);
    definition.setDescription("Baton's " + kind + " '" + name + "', declared under baton.*");
    registry.registerBeanDefinition(beanName(kind, name), definition);
  }

  /** The name of the bean of a declared primitive: {@code baton.KIND.NAME}. */
  public static String beanName(String kind, String name) {
    return "baton." + kind + "." + name;
  }
}
