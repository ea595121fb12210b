package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Chooses, once per method, the first {@link ReturnTypeAdapter} that handles its return type. */
public final class ReturnTypeAdapters {

  private final List<ReturnTypeAdapter> adapters;
  private final Map<Method, ReturnTypeAdapter> chosen = new ConcurrentHashMap<>();

  /** @param adapters in order of preference; {@link BlockingAdapter} is added as the last resort */
  public ReturnTypeAdapters(List<ReturnTypeAdapter> adapters) {
    List<ReturnTypeAdapter> all = new ArrayList<>(adapters);
    all.add(new BlockingAdapter());
    this.adapters = List.copyOf(all);
  }

  ReturnTypeAdapter forMethod(Method method) {
    return chosen.computeIfAbsent(method, m -> adapters.stream()
        .filter(adapter -> adapter.canHandle(m.getReturnType())).findFirst().orElseThrow());
  }
}
